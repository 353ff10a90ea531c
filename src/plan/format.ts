/**
 * The plan folder: the contract between `plan` (which writes it) and `apply`, `rehearse`,
 * `verify`, `rollback` and `report` (which read it). Users review it and their scripts read it:
 * extend it, never rename a field. Bump PLAN_FORMAT_VERSION on any change readers must know of.
 *
 *   PLAN_DIR/
 *     plan.json                 PlanManifest
 *     actions/NNN-<table>.jsonl.gz
 *                               one Action per line, in execution order, per table, gzip
 *                               compressed (written and read by action-file.ts only)
 *     plan.sql                  the same plan as SQL a DBA can read and run by hand
 *
 * Determinism: the same inputs give a byte-identical plan.json and action files (no timestamps,
 * no random ids, stable key order), so the same planId.
 */
import type { Row } from '../cell/cells.js';
import type { DigestMethod } from '../checksum/digest-method.js';
import type { TablePolicy } from '../config/policy.js';
import type { ConfigReference } from '../config/types.js';
import type { SslMode } from '../db/tls.js';
import type { Digest } from '../hash/digest.js';
import type { TableDrift } from '../introspect/compare.js';

/**
 * 2: `policy` and `drift` are typed (references as objects, not "a -> t.b" strings); an update
 * sets only its `columns` (plus ON UPDATE ones).
 * 3: `digestMethod` per table: digests summed by the server where it can be trusted; `copy`
 * actions describe the rows restored unchanged from the backup (key ranges, count, sum) instead
 * of carrying them.
 * 4: action files are gzip compressed (`actions/NNN-<table>.jsonl.gz`); a table's `fileSha256`
 * is the sha256 of its lines uncompressed.
 */
export const PLAN_FORMAT_VERSION = 4;
export const MANIFEST_FILE = 'plan.json';
export const SQL_FILE = 'plan.sql';
export const ACTIONS_DIR = 'actions';

/** Names the policy that decided an action, e.g. "onMissingInInterim=restore". */
export type Rule = string;

/**
 * What happens to one row of the target. Actions in a table's file run in file order; a plan
 * puts a table's deletes first, then updates (key changes of remapped rows included), then
 * inserts, each in key order within each kind of decision (so the order never depends on how
 * the diff chunked), then the unresolved ones.
 */
export type Action =
  /** Add a row the target lacks. */
  | {
      readonly op: 'insert';
      readonly rule: Rule;
      readonly key: Row;
      /** every stored column of the target table */
      readonly row: Row;
      /**
       * 'backup' when `row` is exactly the backup's row at the same key (no rewrite): apply may
       * then copy it server-side with INSERT … SELECT when backup and target share a server.
       */
      readonly copyOf: 'backup' | null;
      /** row hash of `row` (16 hex digits), as the digest counts it */
      readonly hash: string;
    }
  /**
   * Restore rows the backup holds, unchanged, described instead of copied: every backup row at
   * one of `keys`, or, for a table keyed by one integer column, at a key within one of `ranges`
   * (inclusive), `count` rows whose row hashes sum (mod 2^64, as the table's digestMethod sums
   * them) to `sum`. Apply copies them from the backup (INSERT … SELECT when it shares the
   * target's server, streamed from it otherwise) and checks, in the batch's transaction, that
   * what it copied has this count and sum. Added in format 3.
   */
  | {
      readonly op: 'copy';
      readonly rule: Rule;
      readonly ranges: readonly (readonly [string, string])[];
      /** key objects, like an insert's `key` */
      readonly keys: readonly Row[];
      readonly count: number;
      /** 16 hex digits */
      readonly sum: string;
    }
  /** Replace the row at `key` with `row` (whose key may differ: a remapped id). */
  | {
      readonly op: 'update';
      readonly rule: Rule;
      readonly key: Row;
      readonly row: Row;
      /** the target's row before: the undo image, and what the stale check protects */
      readonly before: Row;
      readonly hash: string;
      readonly beforeHash: string;
      /** names of the columns whose value changes */
      readonly columns: readonly string[];
    }
  /** Remove the row at `key`. */
  | {
      readonly op: 'delete';
      readonly rule: Rule;
      readonly key: Row;
      readonly before: Row;
      readonly beforeHash: string;
    }
  /** Nothing is written; apply refuses while any remain (exit 3). */
  | {
      readonly op: 'unresolved';
      readonly rule: Rule;
      readonly key: Row;
      /** why a person must decide, e.g. "unique key uk_email: 'a@x' held by both sides" */
      readonly reason: string;
      readonly backup: Row | null;
      readonly interim: Row | null;
    };

export type ActionOp = Action['op'];
/** An action about one row (every kind but `copy`, which is about many). */
export type RowAction = Exclude<Action, { op: 'copy' }>;

export interface ClassCounts {
  identical: number;
  changed: number;
  onlyBackup: number;
  onlyInterim: number;
  collision: number;
}

export interface ActionCounts {
  insert: number;
  update: number;
  delete: number;
  unresolved: number;
  /** rows left as the target has them */
  keep: number;
}

export interface PlanTable {
  readonly table: string;
  /** relative path of the actions file, e.g. actions/003-orders.jsonl.gz */
  readonly file: string;
  /**
   * sha256 (hex) of the actions file's lines, uncompressed (`zcat FILE | sha256sum`): of what
   * the plan says, not of how one zlib compressed it
   */
  readonly fileSha256: string;
  readonly lines: number;
  /** the key columns actions are addressed by ([] for a table without a key) */
  readonly key: readonly string[];
  /** the stored columns of the target table, name order: what rows and digests cover */
  readonly columns: readonly string[];
  /**
   * the columns of the target of type BIT (in `columns` or the key): their `{hex}` values are
   * numbers' bits, which the report shows as hex; other bytes it shows as text where printable.
   * Added later, additive: absent from older plans (the report then shows all bytes as hex).
   */
  readonly bitColumns?: readonly string[];
  readonly counts: ClassCounts;
  readonly actions: ActionCounts;
  /**
   * how digestBefore and digestAfter are computed: the server's sum of its row hash (one scan
   * where the rows are), or, with the reason, the client's xxHash64 of every row
   */
  readonly digestMethod: DigestMethod;
  readonly digestBefore: Digest;
  readonly digestAfter: Digest;
  /** raise the target's AUTO_INCREMENT to at least this value after the writes */
  readonly autoIncrement: { readonly column: string; readonly next: string } | null;
  /** triggers on the target table that the plan's writes would fire */
  readonly triggers: readonly {
    readonly name: string;
    readonly event: string;
    readonly timing: string;
  }[];
  /** the policy that applied to the table, resolved from defaults and the table's config */
  readonly policy: PolicyRecord;
  /** schema drift between backup and interim for this table, as diff reports it */
  readonly drift: TableDrift | null;
  /**
   * Decisions that leave no action of their own, one line each: a unique-key conflict resolved
   * by keeping one row (the other row's references follow to it). Added in format 1, additive.
   */
  readonly notes: readonly string[];
  /**
   * What the plan could not decide safely and a person should look at before applying, one
   * line each (a creation date on both sides of the incident's start, a remapped table that no
   * reference follows). They change no action.
   */
  readonly warnings: readonly string[];
}

/** A reference the config declares: `column` of the table → `table.refColumn`. */
export type PolicyReference = ConfigReference;

/**
 * A table's resolved policy (defaults and its own settings, config/policy.ts), as the plan
 * records it, with the side whose rows the target held when the plan was made.
 */
export interface PolicyRecord extends TablePolicy {
  readonly base: 'backup' | 'interim';
}

export interface RemapSummary {
  readonly table: string;
  readonly column: string;
  /** which side's rows got new ids */
  readonly side: 'backup' | 'interim';
  readonly count: number;
  /** first and last new id handed out */
  readonly first: string;
  readonly last: string;
  /** columns rewritten to follow: "orders.customer_id" */
  readonly followedBy: readonly string[];
}

export interface SourceInfo {
  /** URL without the password (with the socket and TLS settings, as paths, when not defaults) */
  readonly url: string;
  readonly schema: string;
  readonly server: string;
  /**
   * the TLS mode the plan connected with, which apply, verify and rollback use too. Added in
   * format 1, additive: absent from plans made before it (their URL's mode applies).
   */
  readonly sslMode?: SslMode;
}

export interface PlanManifest {
  readonly formatVersion: number;
  /** sha256 of the stable-stringified manifest without this field (see plan-files.ts) */
  readonly planId: string;
  /** sha256 of the stable-stringified effective config (flags merged in), secrets excluded */
  readonly configHash: string;
  readonly sources: {
    readonly backup: SourceInfo;
    readonly interim: SourceInfo;
    readonly target: SourceInfo;
  };
  /** true when target and interim are the same schema (the merge is in place) */
  readonly inPlace: boolean;
  /** sha256 of each side's introspected schema (tables, columns, types, keys) */
  readonly schemaFingerprints: {
    readonly backup: string;
    readonly interim: string;
    readonly target: string;
  };
  readonly incident: { readonly start: string | null };
  /** tables in write order: parents before children (deletes run in reverse) */
  readonly order: readonly string[];
  readonly tables: readonly PlanTable[];
  readonly remaps: readonly RemapSummary[];
  readonly unresolved: number;
  /** triggers fire on the plan's writes: apply needs --allow-triggers */
  readonly needsAllowTriggers: boolean;
  /**
   * Tables the plan leaves alone, with why (skip: true in the config, or only in the interim).
   * Their rows are not in the digests. Added in format 1, additive.
   */
  readonly skipped: readonly { readonly table: string; readonly reason: string }[];
  readonly totals: ClassCounts & ActionCounts;
}
