import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createSchema, dropSchema, runScript } from '../../src/db/mysql.js';
import { type DbTarget, parseDbUrl } from '../../src/db/url.js';

/** The test server's URL, without a schema. */
export function serverUrl(): string {
  return inject('serverUrl');
}

/** A target for `schema` on the test server. */
export function target(schema: string): DbTarget {
  return parseDbUrl(`${serverUrl()}/${encodeURIComponent(schema)}`, 'test');
}

export function urlOf(schema: string): string {
  return `${serverUrl()}/${encodeURIComponent(schema)}`;
}

/**
 * Schemas of a test's own, with unique names, created empty and dropped by `drop()`.
 * Call `drop` in afterAll/afterEach. On the test server, or on `server` (a URL without a
 * schema, e.g. a PrivateServer's).
 */
export class TestSchemas {
  readonly names: string[] = [];

  constructor(private readonly server?: string) {}

  private at(name: string): DbTarget {
    if (this.server === undefined) return target(name);
    return parseDbUrl(`${this.server}/${encodeURIComponent(name)}`, 'test');
  }

  async create(label: string): Promise<DbTarget> {
    const name = `rt_${label}_${randomBytes(4).toString('hex')}`.slice(0, 60);
    this.names.push(name);
    const t = this.at(name);
    await createSchema(t, true);
    return t;
  }

  async drop(): Promise<void> {
    for (const n of this.names.splice(0)) await dropSchema(this.at(n));
  }
}

/** Runs a multi-statement script in a schema. */
export async function sql(t: DbTarget, script: string): Promise<void> {
  await runScript(t, script);
}
