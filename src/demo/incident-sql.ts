import { connect, createSchema } from '../db/mysql.js';
import { quoteId } from '../db/quote.js';
import type { Connection } from '../db/types.js';
import type { DbTarget } from '../db/url.js';
import {
  backupRows,
  type DemoRow,
  type Incident,
  type IncidentOptions,
  type InterimSummary,
  interimRows,
  type ShopRows,
  type TableRow,
  type TableSizes,
} from './incident.js';
import { SHOP_COLUMNS, SHOP_DDL, SHOP_TABLES, type ShopTable } from './shop-schema.js';
import { sqlLiteral } from './sql-literal.js';

/** Rows per INSERT statement. */
const BATCH_ROWS = 500;
/** Bytes per script sent in one round trip: well under the server's default max_allowed_packet. */
const SCRIPT_BYTES = 1 << 20;

function insertHead(t: ShopTable): string {
  return `INSERT INTO ${quoteId(t)} (${SHOP_COLUMNS[t].map(quoteId).join(', ')}) VALUES\n`;
}

function tuple(t: ShopTable, r: DemoRow): string {
  return `(${SHOP_COLUMNS[t].map((c) => sqlLiteral(r[c] ?? null)).join(', ')})`;
}

/**
 * One side of the incident as SQL statements: the shop's DDL, then multi-row INSERTs, parents
 * before children, so foreign keys hold at every step. Pure.
 */
export function incidentStatements(rows: ShopRows): string[] {
  const out = [...SHOP_DDL];
  for (const t of SHOP_TABLES) {
    const head = insertHead(t);
    const list = rows[t];
    for (let i = 0; i < list.length; i += BATCH_ROWS) {
      const values = list.slice(i, i + BATCH_ROWS).map((r) => tuple(t, r));
      out.push(head + values.join(',\n'));
    }
  }
  return out;
}

/**
 * Loads rows into one schema as they are made, holding at most a batch of rows per table and
 * two scripts (one running, one being filled): multi-row INSERTs of up to BATCH_ROWS rows,
 * sent in scripts of about SCRIPT_BYTES. A table's batch is written only after the batches
 * its parents have pending (SHOP_TABLES is in parent order), so foreign keys hold at every
 * statement however the rows of the tables interleave.
 */
class SchemaLoader {
  private readonly batches = Object.fromEntries(
    SHOP_TABLES.map((t) => [t, [] as string[]]),
  ) as Record<ShopTable, string[]>;
  private script: string[] = [];
  private size = 0;
  private running: Promise<unknown> | null = null;
  /** rows added, by table */
  readonly rows = Object.fromEntries(SHOP_TABLES.map((t) => [t, 0])) as Record<ShopTable, number>;

  private constructor(private readonly c: Connection) {}

  /** A fresh schema (dropped first when it exists) holding the shop's tables, empty. */
  static async open(t: DbTarget): Promise<SchemaLoader> {
    await createSchema(t, true);
    const c = await connect(t, { multipleStatements: true });
    const loader = new SchemaLoader(c);
    try {
      for (const ddl of SHOP_DDL) await loader.statement(ddl);
    } catch (e) {
      await c.close();
      throw e;
    }
    return loader;
  }

  /** Adds a row; a promise only when a script had to wait for the one before it. */
  add(t: ShopTable, row: DemoRow): Promise<void> | null {
    this.rows[t]++;
    const batch = this.batches[t];
    batch.push(tuple(t, row));
    if (batch.length < BATCH_ROWS) return null;
    return this.flushThrough(t);
  }

  /** Writes the pending batches of `t` and of every table before it. */
  private async flushThrough(t: ShopTable): Promise<void> {
    for (const u of SHOP_TABLES.slice(0, SHOP_TABLES.indexOf(t) + 1)) {
      const batch = this.batches[u];
      if (batch.length === 0) continue;
      this.batches[u] = [];
      await this.statement(insertHead(u) + batch.join(',\n'));
    }
  }

  private async statement(s: string): Promise<void> {
    if (this.size > 0 && this.size + s.length > SCRIPT_BYTES) await this.send();
    this.script.push(s);
    this.size += s.length + 2;
  }

  /** Sends the script being filled once the one before it is done. */
  private async send(): Promise<void> {
    const sql = `${this.script.join(';\n')};`;
    this.script = [];
    this.size = 0;
    await this.running;
    this.running = this.c.execute(sql);
  }

  /** Writes what is pending, waits for it, and closes the connection. */
  async finish(): Promise<void> {
    try {
      await this.flushThrough(SHOP_TABLES[SHOP_TABLES.length - 1] ?? 'audit_log');
      if (this.size > 0) await this.send();
      await this.running;
    } finally {
      await this.c.close();
    }
  }

  async abandon(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.c.close();
  }
}

/** Loads a generator's rows into a fresh schema; returns the generator's own return value. */
async function loadRows<R>(t: DbTarget, rows: Generator<TableRow, R>): Promise<R> {
  const loader = await SchemaLoader.open(t);
  try {
    for (;;) {
      const n = rows.next();
      if (n.done) {
        await loader.finish();
        return n.value;
      }
      const wait = loader.add(n.value.table, n.value.row);
      if (wait) await wait;
    }
  } catch (e) {
    await loader.abandon();
    throw e;
  }
}

function* fromMemory(rows: ShopRows): Generator<TableRow, void> {
  for (const table of SHOP_TABLES) for (const row of rows[table]) yield { table, row };
}

/**
 * Loads the incident: drops and recreates both schemas (so the demo can run again and again),
 * then fills them. Trusted SQL of our own.
 */
export async function loadIncident(
  incident: Incident,
  targets: { readonly backup: DbTarget; readonly interim: DbTarget },
): Promise<void> {
  await Promise.all([
    loadRows(targets.backup, fromMemory(incident.backup)),
    loadRows(targets.interim, fromMemory(incident.interim)),
  ]);
}

/** What the demo narrates of an incident it generated and loaded without holding it. */
export interface LoadedIncident extends InterimSummary {
  readonly backupRows: TableSizes;
  readonly interimRows: number;
}

/**
 * Generates the incident of `options` straight into both schemas (each dropped and made
 * again), the two sides at once: memory holds the small tables and a few batches, not the
 * incident. Loads exactly the rows `generateIncident(options)` returns.
 */
export async function generateAndLoad(
  options: IncidentOptions,
  targets: { readonly backup: DbTarget; readonly interim: DbTarget },
): Promise<LoadedIncident> {
  let interimCount = 0;
  function* counted(g: Generator<TableRow, InterimSummary>): Generator<TableRow, InterimSummary> {
    for (;;) {
      const n = g.next();
      if (n.done) return n.value;
      interimCount++;
      yield n.value;
    }
  }
  const [backupSizes, summary] = await Promise.all([
    loadRows(targets.backup, backupRows(options)),
    loadRows(targets.interim, counted(interimRows(options))),
  ]);
  return { ...summary, backupRows: backupSizes, interimRows: interimCount };
}
