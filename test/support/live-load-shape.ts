/**
 * The live fixture's application (test/support/live-fixture.ts) as the load generator writes it:
 * merchants sign up now and then, customers sign up (under a random merchant), place orders
 * (under a random customer), get renamed; orders are edited and cancelled (deleted); a customer
 * the application signed up itself is deleted again when it has no orders. Every value a write
 * sets is new (it carries the write's number), so a write always changes its row.
 */
import type { LoadTable } from '../../bench/load-generator.js';
import type { LoadReference } from './live-load-checks.js';

const now = (): string => new Date().toISOString().slice(0, 19).replace('T', ' ');
const cents = (n: number): string => String(n % 100).padStart(2, '0');

export const SHOP_LOAD: readonly LoadTable[] = [
  {
    name: 'merchant',
    key: 'id',
    parent: null,
    weights: { insert: 0.02, edit: 0.08, delete: 0.01 },
    newRow: (n) => ({
      name: `load merchant ${n}`,
      email: `load-${n}@load.test`,
      created_at: now(),
    }),
    edit: (n, r): Record<string, string> =>
      r() < 0.5 ? { name: `edit ${n}` } : { name: `edit ${n}`, email: `edit-${n}@load.test` },
  },
  {
    name: 'customer',
    key: 'id',
    parent: { column: 'merchant_id', table: 'merchant' },
    weights: { insert: 0.15, edit: 0.25, delete: 0.04 },
    newRow: (n) => ({ name: `load signup ${n}`, created_at: now() }),
    edit: (n) => ({ name: `edit ${n}` }),
  },
  {
    name: 'orders',
    key: 'id',
    parent: { column: 'customer_id', table: 'customer' },
    weights: { insert: 0.2, edit: 0.17, delete: 0.08 },
    newRow: (n, r) => ({ amount: `${Math.floor(r() * 900) + 1}.${cents(n)}`, created_at: now() }),
    // Above any amount the fixture holds, and one per write: an edit always changes the row.
    edit: (n) => ({ amount: `${100000 + n}.${cents(n)}` }),
  },
];

/** The references apply --live follows in the fixture (a declared one and a configured one). */
export const SHOP_REFERENCES: readonly LoadReference[] = [
  { table: 'customer', column: 'merchant_id', parent: 'merchant' },
  { table: 'orders', column: 'customer_id', parent: 'customer' },
];
