import type { ServerInfo } from '../db/types.js';
import type { TablePair } from '../introspect/compare.js';

/** Whether a table pair may be filtered by the server-side checksum pre-pass, and if not, why. */
export type PrepassSupport =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string };

/**
 * Decides, from the schemas alone, whether the pre-pass can be trusted for a table pair: where
 * it cannot, the table is compared by client-side hashing only (and the reason is reported).
 *
 * Trusted means: on each side, the text the row expression hashes is the text the client
 * canonicalises (row-expr.ts), and equal keys select the same rows on both sides. That rules out
 * - a column whose type changed between the sides (beyond its charset, which is converted):
 *   the same value may then have two texts, and the issue asks for the client's word on drift;
 * - a changed row identity, and key columns whose collations differ (keys would not pair up
 *   the same way as the client pairs them);
 * - FLOAT/DOUBLE keys (ranges over approximate values);
 * - FLOAT/DOUBLE columns on MySQL (the text of a float in an expression is not verified there
 *   to be the protocol's text), and JSON across MySQL and MariaDB (binary JSON and JSON text
 *   never agree in text, so every chunk would differ and the pre-pass would only cost).
 */
export function prepassSupport(
  pair: TablePair,
  servers: { readonly backup: ServerInfo; readonly interim: ServerInfo },
): PrepassSupport {
  if (pair.columns.length === 0) return no('no common columns');
  const drift = pair.drift;
  if (drift?.identityChanged) {
    return no(
      `row identity differs (backup ${drift.identityChanged.backup}, interim ${drift.identityChanged.interim})`,
    );
  }
  for (const t of drift?.typeChanged ?? []) {
    const c = pair.columns.find((x) => x.name === t.column);
    const charsetOnly =
      c !== undefined &&
      c.backup.columnType === c.interim.columnType &&
      c.backup.family === c.interim.family;
    if (!charsetOnly) return no(`column ${t.column} changed type (${t.backup} → ${t.interim})`);
  }
  if (pair.identity.kind !== 'none') {
    for (const name of pair.identity.columns) {
      const c = pair.columns.find((x) => x.name === name);
      if (!c) return no(`key column ${name} is not compared`);
      if (c.family === 'float') return no(`key column ${name} is FLOAT/DOUBLE`);
      if (c.backup.collation !== c.interim.collation) {
        return no(
          `key column ${name} has collation ${c.backup.collation} in backup, ${c.interim.collation} in interim`,
        );
      }
    }
  }
  const flavors = new Set([servers.backup.flavor, servers.interim.flavor]);
  if (flavors.has('mysql')) {
    const f = pair.columns.find((c) => c.family === 'float');
    if (f) return no(`FLOAT/DOUBLE column ${f.name}: its expression text is not verified on MySQL`);
  }
  if (flavors.size > 1) {
    const j = pair.columns.find((c) => c.family === 'json');
    if (j) return no(`JSON column ${j.name}: MySQL and MariaDB store JSON text differently`);
  }
  return { ok: true };
}

function no(reason: string): PrepassSupport {
  return { ok: false, reason };
}
