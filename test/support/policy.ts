import type { PolicyRecord } from '../../src/plan/format.js';

/** A table's recorded policy with the config's defaults, and the given fields over them. */
export function policyRecordOf(over: Partial<PolicyRecord> = {}): PolicyRecord {
  return {
    skip: false,
    onMissingInInterim: 'restore',
    onChanged: 'prefer-interim',
    onUniqueConflict: 'manual',
    remap: 'interim',
    naturalKey: null,
    createdAt: null,
    createdAfter: null,
    key: null,
    updatedAt: null,
    references: [],
    jsonReferences: [],
    base: 'interim',
    ...over,
  };
}
