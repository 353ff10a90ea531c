import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { connect } from '../../src/db/mysql.js';
import { quoteId } from '../../src/db/quote.js';
import type { DbTarget } from '../../src/db/url.js';
import type { InitDocument } from '../../src/init/proposal-types.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import { sql, type TestSchemas } from './schemas.js';

export const FIXTURES = resolve('test/init/fixtures');

export function fixtureText(...parts: string[]): Promise<string> {
  return readFile(join(FIXTURES, ...parts), 'utf8');
}

/** `child(a, b) → parent(x, y)`: one reference, declared or proposed, as the metrics count it. */
export function referenceId(
  child: string,
  columns: readonly string[],
  parent: string,
  parentColumns: readonly string[],
): string {
  return `${child}(${columns.join(', ')}) → ${parent}(${parentColumns.join(', ')})`;
}

/** The foreign keys a schema declares, as reference ids, sorted. */
export async function declaredReferences(t: DbTarget): Promise<string[]> {
  const c = await connect(t);
  try {
    const s = await introspectSchema(c, t.schema);
    return [...s.tables.values()]
      .flatMap((table) =>
        table.foreignKeys.map((fk) =>
          referenceId(table.name, fk.columns, fk.refTable, fk.refColumns),
        ),
      )
      .sort();
  } finally {
    await c.close();
  }
}

/** Drops every foreign key of a schema: the schema as most production databases have it. */
export async function dropForeignKeys(t: DbTarget): Promise<void> {
  const c = await connect(t);
  try {
    const fks = await c.query<{ t: string; n: string }>(
      'SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
      [t.schema],
    );
    for (const fk of fks) {
      await c.execute(`ALTER TABLE ${quoteId(fk.t)} DROP FOREIGN KEY ${quoteId(fk.n)}`);
    }
  } finally {
    await c.close();
  }
}

/**
 * A fixture's original (foreign keys declared) loaded as backup and interim, the interim's
 * incident changes applied, the truth read, and then every foreign key dropped on both sides.
 */
export async function strippedPair(
  schemas: TestSchemas,
  fixture: string,
  interimChanges: string | null,
): Promise<{ backup: DbTarget; interim: DbTarget; truth: string[] }> {
  const original = await fixtureText(fixture, 'original.sql');
  const label = fixture.replace(/[^a-z]/g, '').slice(0, 8);
  const backup = await schemas.create(`${label}_b`);
  const interim = await schemas.create(`${label}_i`);
  await sql(backup, original);
  await sql(interim, original);
  if (interimChanges !== null) await sql(interim, await fixtureText(fixture, interimChanges));
  const truth = await declaredReferences(backup);
  await dropForeignKeys(backup);
  await dropForeignKeys(interim);
  return { backup, interim, truth };
}

export interface Metrics {
  readonly fixture: string;
  readonly declared: number;
  readonly enabled: number;
  readonly truePositives: number;
  readonly precision: number;
  readonly recall: number;
  readonly falsePositives: readonly string[];
  readonly missed: readonly string[];
}

/** Precision and recall of the enabled column references against the dropped foreign keys. */
export function metrics(fixture: string, doc: InitDocument, truth: readonly string[]): Metrics {
  const enabled = doc.tables.flatMap((t) =>
    t.references
      .filter((r) => r.enabled)
      .map((r) => referenceId(t.table, r.columns, r.parent, r.parentColumns)),
  );
  const truthSet = new Set(truth);
  const enabledSet = new Set(enabled);
  const tp = enabled.filter((e) => truthSet.has(e)).length;
  return {
    fixture,
    declared: truth.length,
    enabled: enabled.length,
    truePositives: tp,
    precision: enabled.length === 0 ? 0 : tp / enabled.length,
    recall: truth.length === 0 ? 1 : tp / truth.length,
    falsePositives: enabled.filter((e) => !truthSet.has(e)).sort(),
    missed: truth.filter((t) => !enabledSet.has(t)),
  };
}
