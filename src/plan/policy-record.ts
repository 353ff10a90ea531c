import type { TablePolicy } from '../config/policy.js';
import type { PolicyRecord } from './format.js';
import type { World } from './table-model.js';

/** A table's resolved policy as the plan records it (PlanTable.policy): plain, stable data. */
export function policyRecord(p: TablePolicy, base: World): PolicyRecord {
  return { ...p, references: p.references.map((r) => ({ ...r })), base };
}
