import { createSchema, runScript } from '../db/mysql.js';
import { quoteId } from '../db/quote.js';
import type { DbTarget } from '../db/url.js';
import type { Incident, ShopRows } from './incident.js';
import { SHOP_COLUMNS, SHOP_DDL, SHOP_TABLES } from './shop-schema.js';
import { sqlLiteral } from './sql-literal.js';

/** Rows per INSERT statement. */
const BATCH_ROWS = 500;
/** Bytes per script sent in one round trip: well under the server's default max_allowed_packet. */
const SCRIPT_BYTES = 1 << 20;

/**
 * One side of the incident as SQL statements: the shop's DDL, then multi-row INSERTs, parents
 * before children, so foreign keys hold at every step. Pure.
 */
export function incidentStatements(rows: ShopRows): string[] {
  const out = [...SHOP_DDL];
  for (const t of SHOP_TABLES) {
    const cols = SHOP_COLUMNS[t];
    const head = `INSERT INTO ${quoteId(t)} (${cols.map(quoteId).join(', ')}) VALUES\n`;
    const list = rows[t];
    for (let i = 0; i < list.length; i += BATCH_ROWS) {
      const values = list
        .slice(i, i + BATCH_ROWS)
        .map((r) => `(${cols.map((c) => sqlLiteral(r[c] ?? null)).join(', ')})`);
      out.push(head + values.join(',\n'));
    }
  }
  return out;
}

/** Statements grouped into scripts of about SCRIPT_BYTES each. */
export function scripts(statements: readonly string[]): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let size = 0;
  for (const s of statements) {
    if (size > 0 && size + s.length > SCRIPT_BYTES) {
      out.push(`${cur.join(';\n')};`);
      cur = [];
      size = 0;
    }
    cur.push(s);
    size += s.length + 2;
  }
  if (cur.length > 0) out.push(`${cur.join(';\n')};`);
  return out;
}

/**
 * Loads the incident: drops and recreates both schemas (so the demo can run again and again),
 * then fills them. Trusted SQL of our own, run through runScript.
 */
export async function loadIncident(
  incident: Incident,
  targets: { readonly backup: DbTarget; readonly interim: DbTarget },
): Promise<void> {
  const load = async (t: DbTarget, rows: ShopRows): Promise<void> => {
    await createSchema(t, true);
    for (const script of scripts(incidentStatements(rows))) await runScript(t, script);
  };
  await Promise.all([
    load(targets.backup, incident.backup),
    load(targets.interim, incident.interim),
  ]);
}
