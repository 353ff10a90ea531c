import type { NameRule } from '../introspect/naming.js';

/**
 * What `reconcile init` proposes, per table, each proposal with the evidence it rests on. Plain
 * data: the `--json` document is exactly this, and the YAML is rendered from it.
 */

/** How many rows a measurement read, so every figure says what it stands on. */
export interface RowSample {
  /** rows read (at most the sample size) */
  readonly rows: number;
  /** the table had no more rows than that: every row was read */
  readonly wholeTable: boolean;
  /** which rows a partial sample holds: the first in key order, or the newest */
  readonly which: 'first' | 'newest';
}

/**
 * Value inclusion, measured by the server on the backup (on the interim only when the backup
 * holds no value of the column at all).
 */
export interface Inclusion {
  readonly side: 'backup' | 'interim';
  /** distinct non-null values (or value tuples) tested */
  readonly tested: number;
  /** of them, found in the parent's key */
  readonly found: number;
  /** the value sample hit its bound (more distinct values exist than were tested) */
  readonly valuesCapped: boolean;
  readonly sample: RowSample;
}

/** A measurement that could not be made (time budget, a server refusal), and why. */
export type Measured<T> =
  | { readonly kind: 'measured'; readonly value: T }
  | { readonly kind: 'not-measured'; readonly reason: string };

export interface ReferenceProposal {
  readonly columns: readonly string[];
  readonly parent: string;
  readonly parentColumns: readonly string[];
  /** `declared`: a foreign key the schema declares (listed, nothing to propose) */
  readonly rule: NameRule | 'composite' | 'declared';
  /** the declared key's name */
  readonly constraint: string | null;
  readonly inclusion: Measured<Inclusion> | null;
  /** written enabled in the YAML (declared keys: never written, the schema says it) */
  readonly enabled: boolean;
  /** one line: why it is enabled, or why not */
  readonly why: string;
}

export interface JsonPathCounts {
  /** non-null documents sampled */
  readonly documents: number;
  /** of them, holding an integer at the path */
  readonly integers: number;
  /** of them, holding something else there (a string "43", a float, an object) */
  readonly others: number;
  readonly sample: RowSample;
}

export interface JsonReferenceProposal {
  readonly column: string;
  /** JSON path as JSON_EXTRACT takes it: `$.merchant_id` */
  readonly path: string;
  readonly parent: string;
  readonly parentColumn: string;
  readonly rule: NameRule;
  readonly counts: Measured<JsonPathCounts>;
  readonly inclusion: Measured<Inclusion> | null;
  readonly enabled: boolean;
  readonly why: string;
}

/** Counts of a time column's values against incident.start. */
export interface TimeCounts {
  readonly interim: { readonly since: number; readonly nulls: number; readonly sample: RowSample };
  readonly backup: { readonly since: number; readonly nulls: number; readonly sample: RowSample };
  /** the largest value seen in the interim's sample, as the server prints it */
  readonly interimMax: string | null;
}

export interface TimeColumnProposal {
  readonly role: 'createdAt' | 'updatedAt';
  readonly column: string;
  /** COLUMN_TYPE, with ON UPDATE CURRENT_TIMESTAMP when the column has it */
  readonly type: string;
  readonly counts: Measured<TimeCounts> | null;
  readonly enabled: boolean;
  readonly why: string;
}

/** Interim rows created since incident.start whose key the backup also holds. */
export interface CollisionCount {
  readonly createdAt: string;
  /** interim rows at or after incident.start that were looked up */
  readonly tested: number;
  /** of them, with a key the backup holds too */
  readonly collisions: number;
  /** more rows matched than were looked up */
  readonly capped: boolean;
}

/** A unique key other than the row identity, and the conflicts seen on it. */
export interface UniqueKeyNote {
  readonly name: string;
  readonly columns: readonly string[];
  /** interim rows (created since the start, or the newest) whose value the backup holds on a row of another key */
  readonly conflicts: Measured<{ readonly tested: number; readonly conflicts: number }> | null;
}

export interface TriggerNote {
  readonly side: 'backup' | 'interim' | 'both';
  readonly name: string;
  readonly timing: string;
  readonly event: string;
}

export interface TableProposals {
  readonly table: string;
  /** a table one side lacks: plan refuses a backup-only table unless skipped */
  readonly onlyIn: 'backup' | 'interim' | null;
  /** how rows are matched: `primary (id)`, `unique uq_email (email)`, `none` */
  readonly identity: string;
  readonly rowsEstimate: { readonly backup: number | null; readonly interim: number | null };
  /** the two sides differ in shape: plan refuses the table until aligned or skipped */
  readonly drift: boolean;
  readonly createdAt: readonly TimeColumnProposal[];
  readonly updatedAt: readonly TimeColumnProposal[];
  readonly collisions: Measured<CollisionCount> | null;
  readonly references: readonly ReferenceProposal[];
  readonly jsonReferences: readonly JsonReferenceProposal[];
  readonly uniqueKeys: readonly UniqueKeyNote[];
  readonly keyless: boolean;
  readonly triggers: readonly TriggerNote[];
  /** anything else worth a line: time budget spent, measurements refused */
  readonly notes: readonly string[];
}

export interface InitSettings {
  readonly minInclusion: number;
  /** rows read per table and measurement */
  readonly sampleRows: number;
  /** distinct values tested per candidate */
  readonly sampleValues: number;
  /** JSON documents parsed per column to find paths */
  readonly sampleDocuments: number;
  readonly secondsPerTable: number;
}

export interface InitDocument {
  readonly backup: string;
  readonly interim: string;
  readonly servers: { readonly backup: string; readonly interim: string };
  readonly incidentStart: string | null;
  readonly settings: InitSettings;
  readonly tables: readonly TableProposals[];
  readonly totals: InitTotals;
  readonly seconds: number;
}

export interface InitTotals {
  readonly tables: number;
  readonly declaredReferences: number;
  readonly referencesEnabled: number;
  readonly referencesCommented: number;
  readonly jsonReferencesEnabled: number;
  readonly jsonReferencesCommented: number;
  readonly createdAtEnabled: number;
  readonly tablesWithCollisions: number;
}
