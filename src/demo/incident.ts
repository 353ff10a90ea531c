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
 * Pure: the same options give the same rows, byte for byte, whole (`generateIncident`) or
 * streamed table row by table row (`backupRows`, `interimRows`, what the demo loads).
 */
import type { TruthCounts } from './incident-truth.js';
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

/** A generated row and its table, in the order the generator makes them. */
export interface TableRow {
  readonly table: ShopTable;
  readonly row: DemoRow;
}

/** How many rows each table of the backup holds. */
export type TableSizes = Record<ShopTable, number>;

/** What the interim's generation tells besides its rows: the facts, and the oracle's counts. */
export interface InterimSummary {
  readonly facts: Incident['facts'];
  /** by table, what a row-by-row comparison of the two sides finds (see incident-truth.ts) */
  readonly truth: Record<ShopTable, TruthCounts>;
}

/**
 * Generates the incident, whole, in memory (tests and small demos). The demo streams the same
 * rows instead (`backupRows`, `interimRows`), holding only the small tables.
 */
export function generateIncident(options: IncidentOptions): Incident {
  checkOptions(options);
  const backup = emptyRows();
  for (const { table, row } of iterate(backupRows(options), () => undefined)) {
    backup[table].push(row);
  }
  const interim = emptyRows();
  let summary: InterimSummary | undefined;
  for (const { table, row } of iterate(interimRows(options), (s) => {
    summary = s;
  })) {
    interim[table].push(row);
  }
  // Already in id order (restored rows below the counters, then new ones from them): the sort
  // only states it.
  for (const t of SHOP_TABLES) if (t !== 'audit_log') interim[t].sort((a, b) => idOf(a) - idOf(b));
  if (!summary) throw new Error('the interim generator ended without its summary');
  return { options, backup, interim, facts: summary.facts };
}

function checkOptions(options: IncidentOptions): void {
  if (!Number.isSafeInteger(options.rows) || options.rows < 50) {
    throw new Error(`rows must be an integer of at least 50, got ${options.rows}`);
  }
}

/** A generator's rows, its return value handed to `done`. */
function* iterate<T, R>(g: Generator<T, R>, done: (r: R) => void): Generator<T, void> {
  for (;;) {
    const n = g.next();
    if (n.done) {
      done(n.value);
      return;
    }
    yield n.value;
  }
}

/** Runs a generator to its end for its return value (its rows are only drawn, not kept). */
function drain<R>(g: Generator<unknown, R>): R {
  for (;;) {
    const n = g.next();
    if (n.done) return n.value;
  }
}

/** The backup's rows, table by table (an order's items, the order, its payment together). */
export function* backupRows(options: IncidentOptions): Generator<TableRow, TableSizes> {
  checkOptions(options);
  return yield* generateBackup(new Random(options.seed), options.rows);
}

function backupCounts(n: number): {
  merchants: number;
  customers: number;
  products: number;
  audit: number;
} {
  return {
    merchants: Math.max(8, Math.round(n / 40)),
    customers: Math.max(20, Math.round(n / 4)),
    products: Math.max(10, Math.round(n / 8)),
    audit: Math.round(n / 2),
  };
}

/**
 * The backup, drawn from `rnd`. Holds only what the next rows depend on: each customer's
 * merchant, and the products (id, merchant, price) an order picks from.
 */
function* generateBackup(rnd: Random, n: number): Generator<TableRow, TableSizes> {
  const counts = backupCounts(n);
  const time = (i: number, of: number): string => when(BACKUP_FROM, BACKUP_TO, i - 1, of, rnd);
  for (let id = 1; id <= counts.merchants; id++) {
    const t = time(id, counts.merchants);
    yield { table: 'merchants', row: merchant(rnd, id, `merchant${id}@shops.example`, t) };
  }
  const customerMerchant = new Int32Array(counts.customers);
  for (let id = 1; id <= counts.customers; id++) {
    const row = customer(rnd, id, rnd.int(1, counts.merchants), time(id, counts.customers));
    customerMerchant[id - 1] = ref(row, 'merchant_id');
    yield { table: 'customers', row };
  }
  const shop = new Shop();
  for (let id = 1; id <= counts.products; id++) {
    // The first products go one to each merchant, so every merchant has something to sell.
    const m = id <= counts.merchants ? id : rnd.int(1, counts.merchants);
    const row = product(rnd, id, m, `P${pad(id, 6)}`, time(id, counts.products));
    shop.addProduct({ id, merchant_id: m, price: row.price ?? null });
    yield { table: 'products', row };
  }
  for (let id = 1; id <= n; id++) {
    const k = rnd.int(0, counts.customers - 1);
    const c: DemoRow = { id: k + 1, merchant_id: customerMerchant[k] ?? 0 };
    shop.order(rnd, id, c, time(id, n), (m) => shop.productsOf(m));
    yield* shop.take();
  }
  let audit = 0;
  for (let i = 1; i <= counts.audit; i++) {
    const line = auditLine(rnd, rnd.int(1, counts.merchants), time(i, counts.audit));
    yield { table: 'audit_log', row: line };
    audit++;
    if (rnd.chance(0.02)) {
      yield { table: 'audit_log', row: { ...line } }; // logged twice
      audit++;
    }
  }
  return {
    merchants: counts.merchants,
    customers: counts.customers,
    products: counts.products,
    orders: n,
    order_items: shop.next.order_items - 1,
    payments: shop.next.payments - 1,
    audit_log: audit,
  };
}

/** The interim's id counters: restarted behind the backup's maxima, the source of every collision. */
type Counters = Record<Exclude<ShopTable, 'audit_log'>, number>;

/** Ids as a bit per id (a set of the ids 0..size-1). */
class IdSet {
  private readonly bits: Uint8Array;

  constructor(size: number) {
    this.bits = new Uint8Array((size >> 3) + 1);
  }

  add(id: number): void {
    this.bits[id >> 3] = (this.bits[id >> 3] ?? 0) | (1 << (id & 7));
  }

  has(id: number): boolean {
    return (((this.bits[id >> 3] ?? 0) >> (id & 7)) & 1) === 1;
  }
}

/** The keyed tables' rows of the interim that the partial restore and the edits made. */
interface Restored {
  readonly merchants: IdSet;
  readonly customers: IdSet;
  readonly products: IdSet;
  readonly orders: IdSet;
  /** how many, by table */
  readonly counts: Record<ShopTable, number>;
}

/** What the interim's steps share: the draws, the backup's sizes, the restore, the tally. */
interface InterimState {
  readonly options: IncidentOptions;
  readonly rnd: Random;
  readonly sizes: TableSizes;
  readonly counter: Counters;
  /** the merchants the day-5 restore brought back */
  readonly merchantsBack: IdSet;
  readonly restored: Restored;
  /** the small tables' restored rows (edited in place by restoredRows) */
  readonly small: ShopRows;
  readonly truth: TruthTally;
}

/**
 * The interim as the incident left it, in three steps whose random draws come in this order
 * (after all of the backup's): the day-5 partial restore, edits to restored rows, and the rows
 * created meanwhile. The backup is drawn again from the seed (three times: for the draws'
 * state, the restored ids, and the restored big tables' rows) instead of being held.
 */
export function* interimRows(options: IncidentOptions): Generator<TableRow, InterimSummary> {
  checkOptions(options);
  const rnd = new Random(options.seed);
  const sizes = drain(generateBackup(rnd, options.rows));
  const counter: Counters = {
    merchants: restartAt(sizes.merchants),
    customers: restartAt(sizes.customers),
    products: restartAt(sizes.products),
    orders: restartAt(sizes.orders),
    order_items: restartAt(sizes.order_items),
    payments: restartAt(sizes.payments),
  };
  // The day-5 partial restore: some merchants' rows below the counters, parents first.
  const merchantsBack = new IdSet(sizes.merchants + 1);
  let restoredMerchants = 0;
  for (let id = 1; id <= sizes.merchants; id++) {
    if (id < counter.merchants && rnd.chance(0.6)) {
      merchantsBack.add(id);
      restoredMerchants++;
    }
  }
  const small = emptyRows();
  const restored = restoredIds(options, sizes, counter, merchantsBack, small);
  const state: InterimState = {
    options,
    rnd,
    sizes,
    counter,
    merchantsBack,
    restored,
    small,
    truth: new TruthTally(sizes),
  };
  yield* restoredRows(state);
  const re = yield* newRows(state);
  return {
    facts: { restoredMerchants, reRegisteredEmail: re.email, reRegistered: re.ids },
    truth: state.truth.counts(),
  };
}

const upgrade: Record<string, string> = { free: 'pro', pro: 'enterprise', enterprise: 'pro' };
/** Edits to restored rows during the incident, and each table's share of edited rows. */
const EDITS = {
  merchants: {
    share: 0.1,
    change: (r: DemoRow, at: string): DemoRow => ({
      ...r,
      plan: upgrade[String(r.plan)] ?? 'pro',
      updated_at: at,
    }),
  },
  customers: {
    share: 0.05,
    change: (r: DemoRow, at: string): DemoRow => ({
      ...r,
      name: `${String(r.name)} Jr.`,
      updated_at: at,
    }),
  },
  products: {
    share: 0.08,
    change: (r: DemoRow, at: string): DemoRow => ({
      ...r,
      price: cents(toCents(r.price) + 100),
      updated_at: at,
    }),
  },
  orders: { share: 0.1, change: orderEdit },
};

/**
 * The restored rows, edited: the small tables from memory, then the big ones as the backup is
 * drawn again (an order's edit is drawn as it streams, in the order of the restored orders).
 */
function* restoredRows(st: InterimState): Generator<TableRow, void> {
  const { rnd, small, truth } = st;
  /** The i-th of `of` restored rows of `t`, edited (drawn), or null when it is not. */
  const edit = (t: keyof typeof EDITS, r: DemoRow, i: number, of: number): DemoRow | null =>
    rnd.chance(EDITS[t].share)
      ? EDITS[t].change(r, when(INTERIM_FROM, INTERIM_TO, i, of, rnd))
      : null;
  for (const t of ['merchants', 'customers', 'products'] as const) {
    const list = small[t];
    for (const [i, row] of list.entries()) {
      const changed = edit(t, row, i, list.length);
      truth.restored(t, changed !== null);
      if (changed) list[i] = changed;
    }
    for (const row of list) yield { table: t, row };
  }
  let orderAt = 0;
  for (const { table, row } of generateBackup(new Random(st.options.seed), st.options.rows)) {
    if (table === 'merchants' || table === 'customers' || table === 'products') continue;
    if (!keptByRestore(table, row, st.restored, st.counter, st.merchantsBack)) continue;
    const changed =
      table === 'orders' ? edit(table, row, orderAt++, st.restored.counts.orders) : null;
    truth.restored(table, changed !== null);
    yield { table, row: changed ?? row };
  }
}

/**
 * New rows during the incident, from the restarted counters; one merchant signs up again with
 * the email of a backup merchant that was not restored. Returns that re-registration.
 */
function* newRows(
  st: InterimState,
): Generator<TableRow, { email: string; ids: { backupId: number; interimId: number } }> {
  const { rnd, sizes, counter, small, truth } = st;
  const shop = new Shop(counter);
  for (const p of small.products) shop.addProduct(p);
  const interimTime = (i: number, of: number): string => when(INTERIM_FROM, INTERIM_TO, i, of, rnd);
  const newMerchants = Math.ceil(sizes.merchants * 0.25);
  let backupId = 0;
  for (let id = 1; id <= sizes.merchants && backupId === 0; id++) {
    if (!st.merchantsBack.has(id) && id !== counter.merchants) backupId = id;
  }
  const email = `merchant${backupId}@shops.example`;
  let interimId = 0;
  const mIds = small.merchants.map(idOf);
  for (let i = 0; i < newMerchants; i++) {
    const id = counter.merchants++;
    const again = interimId === 0 && backupId !== 0 && id !== backupId;
    if (again) interimId = id;
    const address = again ? email : `signup${i + 1}@shops.example`;
    const row = merchant(rnd, id, address, interimTime(i, newMerchants));
    mIds.push(id);
    truth.created('merchants', id);
    yield { table: 'merchants', row };
  }
  const newCustomers = Math.ceil(sizes.customers * 0.25);
  const allCustomers: DemoRow[] = small.customers.map((c) => ({
    id: idOf(c),
    merchant_id: ref(c, 'merchant_id'),
  }));
  for (let i = 0; i < newCustomers; i++) {
    const m = rnd.chance(0.5) ? (mIds[mIds.length - 1 - (i % newMerchants)] ?? 0) : rnd.pick(mIds);
    const row = customer(rnd, counter.customers++, m, interimTime(i, newCustomers));
    allCustomers.push({ id: idOf(row), merchant_id: m });
    truth.created('customers', idOf(row));
    yield { table: 'customers', row };
  }
  const newOrders = Math.ceil(sizes.orders * 0.25);
  for (let i = 0; i < newOrders; i++) {
    const at = interimTime(i, newOrders);
    const c = rnd.pick(allCustomers);
    shop.order(rnd, counter.orders++, c, at, (m) => {
      const have = shop.productsOf(m);
      if (have.length > 0 && rnd.chance(0.95)) return have;
      // A merchant with nothing restored to sell adds a product first.
      const id = counter.products++;
      const p = product(rnd, id, m, `Q${pad(id, 6)}`, at);
      shop.addProduct(p);
      shop.emit('products', p);
      return shop.productsOf(m);
    });
    for (const r of shop.take()) {
      truth.created(r.table, idOf(r.row));
      yield r;
    }
  }
  const newAudit = Math.ceil(sizes.audit_log * 0.25);
  for (let i = 0; i < newAudit; i++) {
    truth.created('audit_log', 0);
    yield { table: 'audit_log', row: auditLine(rnd, rnd.pick(mIds), interimTime(i, newAudit)) };
  }
  return { email, ids: { backupId, interimId } };
}

const next: Record<string, string> = { new: 'paid', paid: 'shipped', shipped: 'cancelled' };

function orderEdit(r: DemoRow, at: string): DemoRow {
  return { ...r, status: next[String(r.status)] ?? 'new', updated_at: at };
}

/** Whether the partial restore brought this backup row back (the restore's rule, table by table). */
function keptByRestore(
  table: ShopTable,
  r: DemoRow,
  restored: Restored,
  counter: Counters,
  merchants: IdSet,
): boolean {
  switch (table) {
    case 'merchants':
      return merchants.has(idOf(r));
    case 'customers':
    case 'products':
      return merchants.has(ref(r, 'merchant_id')) && idOf(r) < counter[table];
    case 'orders':
      return restored.customers.has(ref(r, 'customer_id')) && idOf(r) < counter.orders;
    case 'order_items':
      return (
        restored.orders.has(ref(r, 'order_id')) &&
        restored.products.has(ref(r, 'product_id')) &&
        idOf(r) < counter.order_items
      );
    case 'payments':
      return restored.orders.has(ref(r, 'order_id')) && idOf(r) < counter.payments;
    case 'audit_log':
      return merchants.has(Number(String(r.actor).split(':')[1]));
  }
}

/**
 * The backup drawn again: which ids the restore brings back, table by table (parents before
 * children, so each table's rule can ask its parents'), and the restored rows of the small
 * tables, into `small`.
 */
function restoredIds(
  options: IncidentOptions,
  sizes: TableSizes,
  counter: Counters,
  merchants: IdSet,
  small: ShopRows,
): Restored {
  const r: Restored = {
    merchants,
    customers: new IdSet(sizes.customers + 1),
    products: new IdSet(sizes.products + 1),
    orders: new IdSet(sizes.orders + 1),
    counts: {
      merchants: 0,
      customers: 0,
      products: 0,
      orders: 0,
      order_items: 0,
      payments: 0,
      audit_log: 0,
    },
  };
  // Orders first in a pass of their own: an order's items come before it.
  for (const { table, row } of generateBackup(new Random(options.seed), options.rows)) {
    if (table === 'order_items' || table === 'payments' || table === 'audit_log') continue;
    if (!keptByRestore(table, row, r, counter, merchants)) continue;
    r.counts[table]++;
    if (table === 'orders') r.orders.add(idOf(row));
    else {
      small[table].push(row);
      if (table === 'customers') r.customers.add(idOf(row));
      if (table === 'products') r.products.add(idOf(row));
    }
  }
  return r;
}

/** The oracle's counts, kept as the interim's rows are made (checked against incidentTruth). */
class TruthTally {
  private readonly c = {} as Record<ShopTable, TruthCounts>;

  constructor(private readonly sizes: TableSizes) {
    for (const t of SHOP_TABLES) {
      this.c[t] = { identical: 0, changed: 0, onlyBackup: 0, onlyInterim: 0, collision: 0 };
    }
  }

  /** A backup row the restore brought back, edited or not. */
  restored(t: ShopTable, edited: boolean): void {
    if (edited) this.c[t].changed++;
    else this.c[t].identical++;
  }

  /** A row made during the incident: a collision where the backup used its id (1..size). */
  created(t: ShopTable, id: number): void {
    if (t !== 'audit_log' && id <= this.sizes[t]) this.c[t].collision++;
    else this.c[t].onlyInterim++;
  }

  counts(): Record<ShopTable, TruthCounts> {
    for (const t of SHOP_TABLES) {
      const k = this.c[t];
      k.onlyBackup = this.sizes[t] - k.identical - k.changed - k.collision;
    }
    return this.c;
  }
}

/** Orders with their items and payments, numbered from the given counters, made for `take`. */
class Shop {
  private readonly byMerchant = new Map<number, DemoRow[]>();
  readonly next: { orders: number; order_items: number; payments: number };
  private made: TableRow[] = [];

  constructor(counter?: { orders: number; order_items: number; payments: number }) {
    this.next = counter ?? { orders: 1, order_items: 1, payments: 1 };
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

  emit(table: ShopTable, row: DemoRow): void {
    this.made.push({ table, row });
  }

  /** The rows made since the last take, in the order they were made. */
  take(): TableRow[] {
    const out = this.made;
    this.made = [];
    return out;
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
      this.emit('order_items', {
        id: this.next.order_items++,
        order_id: id,
        product_id: idOf(p),
        quantity,
        unit_price: p.price ?? '0.00',
        created_at: at,
      });
    }
    const day = at.slice(0, 10).replaceAll('-', '');
    this.emit('orders', {
      id,
      merchant_id: m,
      customer_id: idOf(c),
      order_no: `${day}-${pad(id, 7)}`,
      status,
      total: cents(total),
      created_at: at,
      updated_at: at,
    });
    this.next.orders = Math.max(this.next.orders, id + 1);
    if (status === 'paid' || status === 'shipped') {
      this.emit('payments', {
        id: this.next.payments++,
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

/** Where a table's interim counter restarted, for a backup of `rows` rows. */
function restartAt(rows: number): number {
  return Math.floor(rows * 0.85) + 1;
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
