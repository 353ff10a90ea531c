import type { TablePolicy } from '../config/policy.js';
import type { PolicyRecord } from './format.js';
import type { World } from './table-model.js';

/** A table's resolved policy as the plan records it (PlanTable.policy): plain, stable data. */
export function policyRecord(p: TablePolicy, base: World): PolicyRecord {
  return {
    skip: p.skip,
    onMissingInInterim: p.onMissingInInterim,
    onChanged: p.onChanged,
    onUniqueConflict: p.onUniqueConflict,
    remap: p.remap,
    naturalKey: p.naturalKey,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    references: p.references.map((r) => ({
      column: r.column,
      table: r.table,
      refColumn: r.refColumn,
    })),
    base,
  };
}
