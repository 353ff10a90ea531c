import type { DbTarget } from '../db/url.js';
import type { IncidentStart } from './incident-time.js';
import type { JsonPathStep } from './json-path.js';
import type { OnChanged, OnMissingInInterim, OnUniqueConflict, RemapSide } from './schema.js';

export type { OnChanged, OnMissingInInterim, OnUniqueConflict, RemapSide } from './schema.js';

/** A reference the schema does not declare: `column` of this table → `table.refColumn`. */
export interface ConfigReference {
  readonly column: string;
  readonly table: string;
  readonly refColumn: string;
}

/**
 * A reference held inside a JSON document: at `path` in the column `column` of this table, an
 * integer id of `table.refColumn`. Written `references: { "extra$.merchant_id": merchant.id }`.
 */
export interface ConfigJsonReference {
  readonly column: string;
  /** as MariaDB and MySQL take it in JSON_EXTRACT: `$.merchant_id`, `$.buyer."ref id"` */
  readonly path: string;
  /** the same path, parsed: one member name or array index per step */
  readonly steps: readonly JsonPathStep[];
  readonly table: string;
  readonly refColumn: string;
}

/** The policies `defaults` gives every table. */
export interface Defaults {
  readonly onMissingInInterim: OnMissingInInterim;
  readonly onChanged: OnChanged;
  readonly onUniqueConflict: OnUniqueConflict;
  readonly remap: RemapSide;
  /** ids left free before the first fresh id (absent: none) */
  readonly remapHeadroom?: number;
  /** applies to every table that has a column of this name */
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

/** What the config says about one table; unset policies come from `defaults`. */
export interface TableConfig {
  readonly onMissingInInterim: OnMissingInInterim | null;
  readonly onChanged: OnChanged | null;
  readonly onUniqueConflict: OnUniqueConflict | null;
  readonly remap: RemapSide | null;
  /** ids left free before the first fresh id (absent: the default's) */
  readonly remapHeadroom?: number;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  readonly naturalKey: readonly string[] | null;
  /** the columns that identify its rows, given by the config (null: the schema's key) */
  readonly key: readonly string[] | null;
  /** this table's line between before and after the incident (default: incident.start) */
  readonly createdAfter: IncidentStart | null;
  readonly skip: boolean;
  /** plain column references (the `references` keys without a JSON path) */
  readonly references: readonly ConfigReference[];
  /** the `references` keys with a JSON path, kept apart: they are rewritten inside documents */
  readonly jsonReferences: readonly ConfigJsonReference[];
}

/** The validated, frozen config of a `plan` run: the file's content with the flags merged in. */
export interface PlanConfig {
  /** the config file, or null when everything came from flags */
  readonly source: string | null;
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  /** another schema to merge into; null: the interim itself (in place) */
  readonly target: DbTarget | null;
  readonly out: string | null;
  readonly incident: IncidentStart | null;
  readonly defaults: Defaults;
  /** by table name */
  readonly tables: Readonly<Record<string, TableConfig>>;
}

export const DEFAULTS: Defaults = Object.freeze({
  onMissingInInterim: 'restore',
  onChanged: 'prefer-interim',
  onUniqueConflict: 'manual',
  remap: 'interim',
  createdAt: null,
  updatedAt: null,
});
