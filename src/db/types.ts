/**
 * The database behind one small interface. Only `mysql.ts` imports the driver; everything else
 * depends on these types, so the pure core can be tested without a server.
 */
import type { Readable } from 'node:stream';

/** A column value as the server's text protocol sends it: its bytes, or null for NULL. */
export type RawValue = Buffer | null;
export type RawRow = RawValue[];

/** A value passed as a placeholder. Integers go as strings or bigints, never through a JS number. */
export type SqlParam = string | number | bigint | Buffer | null;

export interface ExecResult {
  readonly affectedRows: number;
  readonly insertId: string;
}

export interface ServerInfo {
  /** e.g. `10.11.19-MariaDB-0+deb12u1` or `8.0.36` */
  readonly version: string;
  readonly flavor: 'mariadb' | 'mysql';
}

export interface Session {
  readonly server: ServerInfo;
  /** Rows as arrays of the server's raw bytes per column (NULL as null). */
  rawRows(sql: string, params?: readonly SqlParam[]): Promise<RawRow[]>;
  /** The same, streamed with backpressure: memory stays bounded whatever the result size. */
  streamRaw(sql: string, params?: readonly SqlParam[]): AsyncIterable<RawRow>;
  /**
   * Rows as objects for metadata queries. Numbers wider than 2^53 and DECIMALs come back as
   * strings; dates as strings.
   */
  query<T extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly SqlParam[],
  ): Promise<T[]>;
  /** A statement that writes; returns affected rows and the last insert id. */
  execute(sql: string, params?: readonly SqlParam[]): Promise<ExecResult>;
  /**
   * `LOAD DATA LOCAL INFILE` fed from `data` (the file name in `sql` is not read): the rows it
   * wrote and the warnings it raised (with LOCAL, the server turns bad values and duplicate keys
   * into warnings and goes on, so a caller that must write every row checks both).
   */
  loadLocal(sql: string, data: Readable): Promise<LoadResult>;
}

export interface LoadResult {
  readonly affectedRows: number;
  readonly warnings: number;
}

export interface Connection extends Session {
  /** The server's connection id, for KILL and for diagnostics. */
  readonly threadId: number;
  close(): Promise<void>;
  /** Closes the socket without waiting for the server (used after a fatal error). */
  destroy(): void;
}
