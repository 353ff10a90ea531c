/**
 * The application of `npm run bench:live`, on the restore-heavy incident's schema
 * (scale-incident.ts): accounts sign up, post ledger entries (under a random account) with
 * their lines (under a random entry), get renamed; entries and lines are edited; lines are
 * deleted; an account or entry the application made itself is deleted again while nothing
 * references it. Every value a write sets is new (it carries the write's number).
 */
import type { LoadTable } from './load-generator.js';

const now = (): string => new Date().toISOString().slice(0, 19).replace('T', ' ');

export const LEDGER_LOAD: readonly LoadTable[] = [
  {
    name: 'accounts',
    key: 'id',
    parent: null,
    weights: { insert: 0.1, edit: 0.12, delete: 0.02 },
    newRow: (n) => ({ email: `load-${n}@load.example`, name: `Load ${n}`, created_at: now() }),
    edit: (n) => ({ name: `Edited ${n}` }),
  },
  {
    name: 'ledger',
    key: 'id',
    parent: { column: 'account_id', table: 'accounts' },
    weights: { insert: 0.22, edit: 0.14, delete: 0.04 },
    newRow: (n, r) => ({
      amount: (Math.floor(r() * 100000) / 100).toFixed(2),
      note: `load ${n}`,
      created_at: now(),
    }),
    edit: (n) => ({ note: `edit ${n}` }),
  },
  {
    name: 'ledger_lines',
    key: 'id',
    parent: { column: 'ledger_id', table: 'ledger' },
    weights: { insert: 0.16, edit: 0.12, delete: 0.08 },
    newRow: (n, r) => ({
      sku: `SKU-L${n % 1000}`,
      quantity: 1 + Math.floor(r() * 9),
      price: (Math.floor(r() * 20000) / 100).toFixed(2),
      created_at: now(),
    }),
    // Above any quantity the incident holds (1..9), and one per write.
    edit: (n) => ({ quantity: 1000 + n }),
  },
];
