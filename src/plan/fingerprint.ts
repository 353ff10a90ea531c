import stableStringify from 'fast-json-stable-stringify';
import type { PlanConfig } from '../config/types.js';
import { describeTarget } from '../db/url.js';
import { sha256 } from './plan-files.js';

export { schemaFingerprint } from '../introspect/fingerprint.js';

/** The effective config as the plan records and hashes it: no password, no output folder. */
export function configRecord(c: PlanConfig): Record<string, unknown> {
  return {
    backup: describeTarget(c.backup),
    interim: describeTarget(c.interim),
    target: c.target ? describeTarget(c.target) : 'interim',
    incident: { start: c.incident?.iso ?? null },
    defaults: c.defaults,
    tables: c.tables,
  };
}

export function configHash(c: PlanConfig): string {
  return sha256(stableStringify(configRecord(c)));
}
