import { z } from 'zod';

/**
 * The config file's shape (DESIGN.md §6), as zod schemas. Every object is strict: a misspelt
 * key (`onchanged`) is an error with its path, never silently ignored.
 */

export const ON_MISSING = ['restore', 'skip'] as const;
export const ON_CHANGED = ['prefer-interim', 'prefer-backup', 'newest', 'manual'] as const;
export const ON_UNIQUE_CONFLICT = ['manual', 'prefer-interim', 'prefer-backup', 'newest'] as const;
export const REMAP = ['interim', 'backup'] as const;

export type OnMissingInInterim = (typeof ON_MISSING)[number];
export type OnChanged = (typeof ON_CHANGED)[number];
export type OnUniqueConflict = (typeof ON_UNIQUE_CONFLICT)[number];
export type RemapSide = (typeof REMAP)[number];

const columnName = z.string().min(1);

/** Policies a table inherits from `defaults` unless it sets its own. */
const policyFields = {
  onMissingInInterim: z.enum(ON_MISSING).optional(),
  onChanged: z.enum(ON_CHANGED).optional(),
  onUniqueConflict: z.enum(ON_UNIQUE_CONFLICT).optional(),
  remap: z.enum(REMAP).optional(),
  /**
   * ids left free above both sides' largest id before the first fresh id: room for the rows a
   * live interim takes between the plan and the apply (which then reserves them)
   */
  remapHeadroom: z.number().int().min(0).max(1_000_000_000).optional(),
  /** a column name; in `defaults`, used by every table that has such a column */
  createdAt: columnName.optional(),
  updatedAt: columnName.optional(),
};

export const defaultsSchema = z.strictObject(policyFields);

export const tableSchema = z.strictObject({
  ...policyFields,
  naturalKey: z.union([columnName, z.array(columnName).min(1)]).optional(),
  /** the columns that identify the table's rows, when the schema declares no usable key */
  key: z.union([columnName, z.array(columnName).min(1)]).optional(),
  /** this table's line between before and after the incident, instead of incident.start */
  createdAfter: z.string().min(1).optional(),
  skip: z.boolean().optional(),
  /**
   * column → "table.column": a reference the schema does not declare. The column may carry a
   * JSON path (`extra$.merchant_id`): an id inside its documents (checked in load-config.ts).
   */
  references: z.record(z.string().min(1), z.string().regex(/^.+\..+$/)).optional(),
});

/**
 * An endpoint: its URL, or a mapping of the URL and the connection options its query could
 * carry, with the mysql client's names. A bare URL is read as `{ url }`.
 */
export const endpointSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { url: v } : v),
  z.strictObject({
    url: z.string().min(1),
    socket: z.string().min(1).optional(),
    'ssl-mode': z.string().min(1).optional(),
    'ssl-ca': z.string().min(1).optional(),
    'ssl-cert': z.string().min(1).optional(),
    'ssl-key': z.string().min(1).optional(),
  }),
);
export const ENDPOINT_KEYS = [
  'url',
  'socket',
  'ssl-mode',
  'ssl-ca',
  'ssl-cert',
  'ssl-key',
] as const;

export const configSchema = z.strictObject({
  backup: endpointSchema.optional(),
  interim: endpointSchema.optional(),
  /** "interim" (in place, the default) or another schema */
  target: endpointSchema.optional(),
  out: z.string().min(1).optional(),
  incident: z.strictObject({ start: z.string().min(1).optional() }).optional(),
  defaults: defaultsSchema.optional(),
  tables: z.record(z.string().min(1), tableSchema).optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawTableConfig = z.infer<typeof tableSchema>;
export type RawEndpoint = z.infer<typeof endpointSchema>;
