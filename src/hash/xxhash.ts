import xxhash from 'xxhash-wasm';

/** 64-bit xxHash (seed 0) of bytes, as an unsigned bigint. */
export type Hash64 = (bytes: Uint8Array) => bigint;

let loaded: Promise<Hash64> | undefined;

/** Loads the wasm hasher once per process (or worker thread). */
export function loadHash64(): Promise<Hash64> {
  loaded ??= xxhash().then((h) => (bytes: Uint8Array) => h.h64Raw(bytes, 0n));
  return loaded;
}

export const MASK64 = (1n << 64n) - 1n;

/** Formats a 64-bit hash as 16 lower-case hex digits. */
export function hex64(h: bigint): string {
  return h.toString(16).padStart(16, '0');
}
