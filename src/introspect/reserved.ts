/**
 * Reconcile's own table in a target schema: apply's journal. It is bookkeeping, not data, so
 * introspection leaves it out and diff, plan and verify never compare or write it.
 */
export const JOURNAL_TABLE = '_reconcile_journal';
