/**
 * The demo incident (DESIGN.md §1), generated from a seed: a shop's pre-incident snapshot (the
 * backup) and the database it ran on during the incident (the interim).
 *
 * The story the interim tells, and what each part exercises:
 * - It was built from an old schema dump, so its AUTO_INCREMENT counters restarted at about 85%
 *   of the backup's highest ids. Sign-ups, products, orders and payments made during the
 *   incident got ids the backup already used for other rows: collisions (created after
 *   incident.start), and a few ids past the backup's maximum (only in the interim).
 * - On day 5 the older rows of some merchants were restored into it (a partial restore: rows
 *   below the counters, parents with them): identical rows; the rest is only in the backup.
 * - Restored rows were edited during the incident (plan upgrades, renamed customers, new prices,
 *   orders paid and shipped): changed rows, with a newer updated_at.
 * - A merchant whose account was not restored signed up again with the same email: a unique-key
 *   conflict the merged result must not contain twice.
 * - The audit log has no key; some of its lines are logged twice (a multiset).
 *
 * Pure: the same options give the same rows, byte for byte.
 */
import { Random } from './random.js';
import { SHOP_TABLES, type ShopTable } from './shop-schema.js';
import type { DemoValue } from './sql-literal.js';

export interface IncidentOptions {
  /** orders in the backup; every other table scales with it */
  readonly rows: number;
  readonly seed: number;
}

export const DEFAULT_INCIDENT: IncidentOptions = { rows: 2000, seed: 20200223 };

/** When the incident began: later created_at values are the interim's own rows. */
export const INCIDENT_START = '2020-02-23T19:00:00+08:00';

export type DemoRow = Record<string, DemoValue>;
export type ShopRows = Record<ShopTable, DemoRow[]>;

export interface Incident {
  readonly options: IncidentOptions;
  readonly backup: ShopRows;
  readonly interim: ShopRows;
  readonly facts: {
    /** merchants whose older rows the partial restore brought back */
    readonly restoredMerchants: number;
    /** the email both a backup merchant and an incident sign-up hold */
    readonly reRegisteredEmail: string;
    readonly reRegistered: { readonly backupId: number; readonly interimId: number };
  };
}

const HOUR = 3_600_000;
const BACKUP_FROM = Date.parse('2019-09-01T00:00:00Z');
// The last pre-incident write is an hour before the start: payments follow orders by minutes.
const BACKUP_TO = Date.parse(INCIDENT_START) - HOUR;
const INTERIM_FROM = Date.parse('2020-02-25T01:00:00Z');
const INTERIM_TO = Date.parse('2020-03-02T12:00:00Z');

const FIRST = ['Ana', 'Bo', 'Chen', 'Dmitri', 'Eve', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jun'];
const LAST = ['Li', 'Meyer', "O'Brien", 'Park', 'Quist', 'Rossi', 'Sato', 'Zoë Ünal'];
const SHOP = ['Tea House', 'Bike Works', 'Book Nook', 'Café Zoë', 'Plant Co', "Gus's Goods"];
const GOODS = ['mug', 'lamp', 'chair', 'kettle', 'poster', 'tyre', 'novel', 'fern'];
const COLORS = ['red', 'green', 'blue', 'black', 'white'];

/** Generates the incident. */
export function generateIncident(options: IncidentOptions): Incident {
  if (!Number.isSafeInteger(options.rows) || options.rows < 50) {
    throw new Error(`rows must be an integer of at least 50, got ${options.rows}`);
  }
  const rnd = new Random(options.seed);
  const backup = generateBackup(rnd, options.rows);
  const { interim, facts } = generateInterim(rnd, backup);
  return { options, backup, interim, facts };
}

function generateBackup(rnd: Random, n: number): ShopRows {
  const rows = emptyRows();
  const counts = {
    merchants: Math.max(8, Math.round(n / 40)),
    customers: Math.max(20, Math.round(n / 4)),
    products: Math.max(10, Math.round(n / 8)),
    audit: Math.round(n / 2),
  };
  const time = (i: number, of: number): string => when(BACKUP_FROM, BACKUP_TO, i - 1, of, rnd);
  for (let id = 1; id <= counts.merchants; id++) {
    const t = time(id, counts.merchants);
    rows.merchants.push(merchant(rnd, id, `merchant${id}@shops.example`, t));
  }
  for (let id = 1; id <= counts.customers; id++) {
    rows.customers.push(
      customer(rnd, id, rnd.int(1, counts.merchants), time(id, counts.customers)),
    );
  }
  for (let id = 1; id <= counts.products; id++) {
    // The first products go one to each merchant, so every merchant has something to sell.
    const m = id <= counts.merchants ? id : rnd.int(1, counts.merchants);
    rows.products.push(product(rnd, id, m, `P${pad(id, 6)}`, time(id, counts.products)));
  }
  const shop = new Shop(rows);
  for (let id = 1; id <= n; id++) {
    const c = rows.customers[rnd.int(0, rows.customers.length - 1)] as DemoRow;
    shop.order(rnd, id, c, time(id, n), (m) => shop.productsOf(m));
  }
  for (let i = 1; i <= counts.audit; i++) {
    const line = auditLine(rnd, rnd.int(1, counts.merchants), time(i, counts.audit));
    rows.audit_log.push(line);
    if (rnd.chance(0.02)) rows.audit_log.push({ ...line }); // logged twice
  }
  return rows;
}

/** The interim's id counters: restarted behind the backup's maxima, the source of every collision. */
type Counters = Record<Exclude<ShopTable, 'audit_log'>, number>;

/**
 * The interim as the incident left it, in three steps whose random draws come in this order:
 * the day-5 partial restore, edits to restored rows, and the rows created meanwhile.
 */
function generateInterim(
  rnd: Random,
  backup: ShopRows,
): { interim: ShopRows; facts: Incident['facts'] } {
  const rows = emptyRows();
  const counter: Counters = {
    merchants: restartAt(backup.merchants),
    customers: restartAt(backup.customers),
    products: restartAt(backup.products),
    orders: restartAt(backup.orders),
    order_items: restartAt(backup.order_items),
    payments: restartAt(backup.payments),
  };
  const restored = partialRestore(rnd, backup, rows, counter);
  editRestored(rnd, rows);
  const unrestored = backup.merchants.map(idOf).filter((id) => !restored.has(id));
  const re = newRows(rnd, backup, rows, counter, unrestored);
  for (const t of SHOP_TABLES) if (t !== 'audit_log') rows[t].sort((a, b) => idOf(a) - idOf(b));
  return {
    interim: rows,
    facts: {
      restoredMerchants: restored.size,
      reRegisteredEmail: re.email,
      reRegistered: { backupId: re.backupId, interimId: re.interimId },
    },
  };
}

/** The day-5 partial restore: some merchants' rows below the counters, parents first. */
function partialRestore(
  rnd: Random,
  backup: ShopRows,
  rows: ShopRows,
  counter: Counters,
): Set<number> {
  const restored = new Set<number>();
  for (const m of backup.merchants) {
    if (idOf(m) < counter.merchants && rnd.chance(0.6)) restored.add(idOf(m));
  }
  const keep = (t: keyof Counters, r: DemoRow, parentOk: boolean): boolean =>
    parentOk && idOf(r) < counter[t];
  const ids = (t: ShopTable): Set<number> => new Set(rows[t].map(idOf));
  rows.merchants.push(...backup.merchants.filter((r) => restored.has(idOf(r))));
  rows.customers.push(
    ...backup.customers.filter((r) => keep('customers', r, restored.has(ref(r, 'merchant_id')))),
  );
  rows.products.push(
    ...backup.products.filter((r) => keep('products', r, restored.has(ref(r, 'merchant_id')))),
  );
  const cIds = ids('customers');
  rows.orders.push(
    ...backup.orders.filter((r) => keep('orders', r, cIds.has(ref(r, 'customer_id')))),
  );
  const oIds = ids('orders');
  const pIds = ids('products');
  rows.order_items.push(
    ...backup.order_items.filter((r) =>
      keep('order_items', r, oIds.has(ref(r, 'order_id')) && pIds.has(ref(r, 'product_id'))),
    ),
  );
  rows.payments.push(
    ...backup.payments.filter((r) => keep('payments', r, oIds.has(ref(r, 'order_id')))),
  );
  rows.audit_log.push(
    ...backup.audit_log.filter((r) => restored.has(Number(String(r.actor).split(':')[1]))),
  );
  return restored;
}

/** Edits to restored rows during the incident. */
function editRestored(rnd: Random, rows: ShopRows): void {
  const edit = (t: ShopTable, p: number, change: (r: DemoRow, at: string) => DemoRow): void => {
    rows[t] = rows[t].map((r, i) =>
      rnd.chance(p) ? change(r, when(INTERIM_FROM, INTERIM_TO, i, rows[t].length, rnd)) : r,
    );
  };
  const upgrade: Record<string, string> = { free: 'pro', pro: 'enterprise', enterprise: 'pro' };
  edit('merchants', 0.1, (r, at) => ({
    ...r,
    plan: upgrade[String(r.plan)] ?? 'pro',
    updated_at: at,
  }));
  edit('customers', 0.05, (r, at) => ({ ...r, name: `${String(r.name)} Jr.`, updated_at: at }));
  edit('products', 0.08, (r, at) => ({
    ...r,
    price: cents(toCents(r.price) + 100),
    updated_at: at,
  }));
  const next: Record<string, string> = { new: 'paid', paid: 'shipped', shipped: 'cancelled' };
  edit('orders', 0.1, (r, at) => ({
    ...r,
    status: next[String(r.status)] ?? 'new',
    updated_at: at,
  }));
}

/**
 * New rows during the incident, from the restarted counters; one merchant signs up again with
 * the email of a backup merchant that was not restored. Returns that re-registration.
 */
function newRows(
  rnd: Random,
  backup: ShopRows,
  rows: ShopRows,
  counter: Counters,
  unrestored: readonly number[],
): { email: string; backupId: number; interimId: number } {
  const shop = new Shop(rows, counter);
  const interimTime = (i: number, of: number): string => when(INTERIM_FROM, INTERIM_TO, i, of, rnd);
  const newMerchants = Math.ceil(backup.merchants.length * 0.25);
  const backupId = unrestored.find((id) => id !== counter.merchants) ?? 0;
  const email = `merchant${backupId}@shops.example`;
  let interimId = 0;
  for (let i = 0; i < newMerchants; i++) {
    const id = counter.merchants++;
    const again = interimId === 0 && backupId !== 0 && id !== backupId;
    if (again) interimId = id;
    rows.merchants.push(
      merchant(
        rnd,
        id,
        again ? email : `signup${i + 1}@shops.example`,
        interimTime(i, newMerchants),
      ),
    );
  }
  const mIds = rows.merchants.map(idOf);
  const newCustomers = Math.ceil(backup.customers.length * 0.25);
  for (let i = 0; i < newCustomers; i++) {
    const m = rnd.chance(0.5) ? (mIds[mIds.length - 1 - (i % newMerchants)] ?? 0) : rnd.pick(mIds);
    rows.customers.push(customer(rnd, counter.customers++, m, interimTime(i, newCustomers)));
  }
  const newOrders = Math.ceil(backup.orders.length * 0.25);
  const allCustomers = [...rows.customers];
  for (let i = 0; i < newOrders; i++) {
    const at = interimTime(i, newOrders);
    const c = rnd.pick(allCustomers);
    shop.order(rnd, counter.orders++, c, at, (m) => {
      const have = shop.productsOf(m);
      if (have.length > 0 && rnd.chance(0.95)) return have;
      // A merchant with nothing restored to sell adds a product first.
      const id = counter.products++;
      const p = product(rnd, id, m, `Q${pad(id, 6)}`, at);
      rows.products.push(p);
      shop.addProduct(p);
      return shop.productsOf(m);
    });
  }
  const newAudit = Math.ceil(backup.audit_log.length * 0.25);
  for (let i = 0; i < newAudit; i++) {
    rows.audit_log.push(auditLine(rnd, rnd.pick(mIds), interimTime(i, newAudit)));
  }
  return { email, backupId, interimId };
}

/** Orders with their items and payments, numbered from the given counters. */
class Shop {
  private readonly byMerchant = new Map<number, DemoRow[]>();
  private readonly counter: { orders: number; order_items: number; payments: number };

  constructor(
    private readonly rows: ShopRows,
    counter?: { orders: number; order_items: number; payments: number },
  ) {
    this.counter = counter ?? { orders: 1, order_items: 1, payments: 1 };
    for (const p of rows.products) this.addProduct(p);
  }

  addProduct(p: DemoRow): void {
    const m = ref(p, 'merchant_id');
    const list = this.byMerchant.get(m) ?? [];
    list.push(p);
    this.byMerchant.set(m, list);
  }

  productsOf(merchantId: number): DemoRow[] {
    return this.byMerchant.get(merchantId) ?? [];
  }

  order(
    rnd: Random,
    id: number,
    c: DemoRow,
    at: string,
    products: (merchantId: number) => DemoRow[],
  ): void {
    const m = ref(c, 'merchant_id');
    const status = rnd.pick(['new', 'paid', 'paid', 'shipped', 'shipped', 'cancelled']);
    let total = 0;
    const lines = rnd.int(1, 3);
    for (let l = 0; l < lines; l++) {
      const p = rnd.pick(products(m));
      const quantity = rnd.int(1, 4);
      total += quantity * toCents(p.price);
      this.rows.order_items.push({
        id: this.counter.order_items++,
        order_id: id,
        product_id: idOf(p),
        quantity,
        unit_price: p.price ?? '0.00',
        created_at: at,
      });
    }
    const day = at.slice(0, 10).replaceAll('-', '');
    this.rows.orders.push({
      id,
      merchant_id: m,
      customer_id: idOf(c),
      order_no: `${day}-${pad(id, 7)}`,
      status,
      total: cents(total),
      created_at: at,
      updated_at: at,
    });
    this.counter.orders = Math.max(this.counter.orders, id + 1);
    if (status === 'paid' || status === 'shipped') {
      this.rows.payments.push({
        id: this.counter.payments++,
        order_id: id,
        amount: cents(total),
        method: rnd.pick(['card', 'card', 'transfer', 'wallet']),
        reference: rnd.bytes(16),
        created_at: plusMinutes(at, rnd.int(1, 30)),
      });
    }
  }
}

function merchant(rnd: Random, id: number, email: string, at: string): DemoRow {
  const name = `${rnd.pick(SHOP)} ${rnd.pick(FIRST)}`;
  return {
    id,
    email,
    name,
    plan: rnd.pick(['free', 'free', 'pro', 'enterprise']),
    created_at: at,
    updated_at: at,
  };
}

function customer(rnd: Random, id: number, merchantId: number, at: string): DemoRow {
  const name = `${rnd.pick(FIRST)} ${rnd.pick(LAST)}`;
  return {
    id,
    merchant_id: merchantId,
    email: `customer${id}@mail.example`,
    name,
    created_at: at,
    updated_at: at,
  };
}

function product(rnd: Random, id: number, merchantId: number, sku: string, at: string): DemoRow {
  const good = rnd.pick(GOODS);
  const attributes = rnd.chance(0.2)
    ? null
    : JSON.stringify({ color: rnd.pick(COLORS), size: rnd.int(1, 5), tags: [good] });
  return {
    id,
    merchant_id: merchantId,
    sku,
    title: `${rnd.pick(COLORS)} ${good}`,
    price: cents(rnd.int(100, 50_000)),
    attributes,
    created_at: at,
    updated_at: at,
  };
}

function auditLine(rnd: Random, merchantId: number, at: string): DemoRow {
  return {
    at,
    actor: `merchant:${merchantId}`,
    action: rnd.pick(['login', 'export', 'settings.update', 'price.update']),
    detail: rnd.chance(0.3) ? null : `ip=10.0.${rnd.int(0, 255)}.${rnd.int(1, 254)}`,
  };
}

function emptyRows(): ShopRows {
  return Object.fromEntries(SHOP_TABLES.map((t) => [t, [] as DemoRow[]])) as ShopRows;
}

/** The i-th of `of` evenly spread instants in [from, to), with jitter: increasing with i. */
function when(from: number, to: number, i: number, of: number, rnd: Random): string {
  const step = (to - from) / Math.max(1, of);
  const ms = Math.floor(from + step * i + rnd.next() * step * 0.9);
  return datetime(ms);
}

/** The shop's clock: its DATETIME columns hold local time at this offset (the incident's). */
const LOCAL_OFFSET_MS = 8 * HOUR;

/** A DATETIME(3) value as the server prints it: the shop's local wall-clock time. */
export function datetime(ms: number): string {
  return new Date(ms + LOCAL_OFFSET_MS).toISOString().replace('T', ' ').replace('Z', '');
}

function plusMinutes(at: string, minutes: number): string {
  return datetime(Date.parse(`${at.replace(' ', 'T')}Z`) - LOCAL_OFFSET_MS + minutes * 60_000);
}

function restartAt(rows: readonly DemoRow[]): number {
  return Math.floor(rows.length * 0.85) + 1;
}

export function idOf(r: DemoRow): number {
  return ref(r, 'id');
}

function ref(r: DemoRow, column: string): number {
  const v = r[column];
  if (typeof v !== 'number') throw new Error(`column ${column} is not an id: ${String(v)}`);
  return v;
}

function toCents(v: DemoValue | undefined): number {
  return Math.round(Number(v) * 100);
}

function cents(n: number): string {
  return (n / 100).toFixed(2);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
