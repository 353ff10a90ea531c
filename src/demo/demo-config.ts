import { type DbTarget, describeTarget } from '../db/url.js';
import { INCIDENT_START } from './incident.js';

/** The demo's schemas' default prefix: `<prefix>_backup`, `<prefix>_interim`. */
export const DEMO_PREFIX = 'reconcile_demo';

/** The demo's schemas: dropped and recreated on every run, so nothing else may use them. */
export function demoSchemas(prefix: string): { backup: string; interim: string } {
  return { backup: `${prefix}_backup`, interim: `${prefix}_interim` };
}

/**
 * The merge config for the demo incident (DESIGN.md §6), as YAML with comments a DBA can read
 * and copy. URLs carry no password: reconcile takes it from MYSQL_PWD.
 */
export function demoConfigYaml(targets: {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
}): string {
  return `# reconcile config for the demo incident (written by npm run demo).
# The backup is the restored pre-incident snapshot; the interim is what the shop ran on
# during the incident. The merge happens in place, in the interim schema.
backup: ${describeTarget(targets.backup)}
interim: ${describeTarget(targets.interim)}
target: interim
incident:
  # Rows created after this instant are the interim's own: sharing an id with a backup row
  # makes them a collision, not an edit. The shop's DATETIME columns hold its local time
  # (+08:00), which is how reconcile reads DATETIME against this offset.
  start: "${INCIDENT_START}"
defaults:
  onMissingInInterim: restore   # bring back rows the partial restore did not
  onChanged: prefer-interim     # edits made during the incident win
  remap: interim                # colliding incident rows get fresh ids
tables:
  merchants:
    createdAt: created_at
    # A merchant signed up again during the incident with the email of their lost account:
    # keep the interim account (it has the week's orders); the backup's rows that referred to
    # the old account follow to it.
    onUniqueConflict: prefer-interim
  customers:
    createdAt: created_at
  products:
    createdAt: created_at
  orders:
    naturalKey: [merchant_id, order_no]   # same id, other order number: another order
    updatedAt: updated_at
    onChanged: newest
  order_items:
    createdAt: created_at
    references: { order_id: orders.id }   # not a declared foreign key in this schema
  payments:
    createdAt: created_at
  # audit_log has no key: its rows are compared as a multiset, missing lines restored.
`;
}
