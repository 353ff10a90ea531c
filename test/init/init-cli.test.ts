import { randomBytes } from 'node:crypto';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlanConfig, parseConfigText } from '../../src/config/load-config.js';
import { connect } from '../../src/db/mysql.js';
import { DEFAULT_SESSION_LIMITS, setSessionLimits } from '../../src/db/session-limits.js';
import { type DbTarget, parseDbUrl } from '../../src/db/url.js';
import { boundedQuery, TimeBudget } from '../../src/init/bounded-query.js';
import { measureInclusion } from '../../src/init/measure-references.js';
import type { InitDocument } from '../../src/init/proposal-types.js';
import { runCli } from '../support/cli.js';
import { fixtureText } from '../support/init-fixture.js';
import { serverUrl, sql, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/** `reconcile init` as a DBA runs it: outputs, refusals, exit codes, and that it only reads. */
const schemas = new TestSchemas();
const quiet = ['--log-level', 'warn'];
let backup: DbTarget;
let interim: DbTarget;
let work: string;
let sides: string[];

beforeAll(async () => {
  backup = await schemas.create('initcli_b');
  interim = await schemas.create('initcli_i');
  await sql(backup, await fixtureText('json-ids', 'backup.sql'));
  await sql(interim, await fixtureText('json-ids', 'interim.sql'));
  work = await tempDir('init-cli');
  sides = ['--backup', urlOf(backup.schema), '--interim', urlOf(interim.schema)];
});
afterAll(async () => {
  await schemas.drop();
  await rm(work, { recursive: true, force: true });
});

async function checksums(t: DbTarget): Promise<unknown[]> {
  const c = await connect(t);
  try {
    return await c.query('CHECKSUM TABLE merchant, orders, events EXTENDED');
  } finally {
    await c.close();
  }
}

describe('reconcile init', () => {
  it('prints the YAML on stdout when no --out is given, and reads only', async () => {
    const before = [await checksums(backup), await checksums(interim)];
    const r = await runCli(['init', ...sides, ...quiet]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = buildPlanConfig(parseConfigText(r.stdout, 'stdout'), {}, 'stdout', {});
    // Without --incident-start nothing needs it: no createdAt is enabled, and it says why.
    expect(c.incident).toBeNull();
    expect(c.tables.orders?.createdAt).toBeNull();
    expect(r.stdout).toContain(
      '# createdAt: created_at # datetime NOT NULL; not enabled: createdAt needs incident.start (give --incident-start)',
    );
    expect(c.tables.orders?.references.map((x) => x.column)).toEqual(['merchant_id']);
    expect([await checksums(backup), await checksums(interim)]).toEqual(before);
  });

  it('--json prints one document of every proposal with its evidence; --out writes the YAML', async () => {
    const out = join(work, 'c.yaml');
    const r = await runCli([
      'init',
      ...sides,
      '--json',
      '--out',
      out,
      '--incident-start',
      '2020-02-23T19:00:00+08:00',
      '--tables',
      'orders',
      '--sample-rows',
      '4',
      ...quiet,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as InitDocument;
    expect(doc.tables.map((t) => t.table)).toEqual(['orders']);
    expect(doc.settings.sampleRows).toBe(4);
    const orders = doc.tables[0];
    expect(orders?.collisions).toEqual({
      kind: 'measured',
      value: { createdAt: 'created_at', tested: 2, collisions: 2, capped: false },
    });
    // The sample bound is stated with every figure: 4 of the backup's 10 rows.
    expect(orders?.references[0]).toMatchObject({
      columns: ['merchant_id'],
      parent: 'merchant',
      enabled: true,
      inclusion: {
        kind: 'measured',
        value: { tested: 4, found: 4, sample: { rows: 4, wholeTable: false, which: 'first' } },
      },
    });
    expect(orders?.jsonReferences.map((j) => [j.path, j.parent, j.enabled])).toEqual([
      ['$.merchant_id', 'merchant', true],
      ['$.referred_by.merchant_id', 'merchant', true],
    ]);
    const yaml = await readFile(out, 'utf8');
    expect(yaml).toContain('from the first 4 rows');
    const c = buildPlanConfig(parseConfigText(yaml, out), {}, out, {});
    expect(Object.keys(c.tables)).toEqual(['orders']);
  });

  it('refuses, in one line and before connecting, what it cannot do', async () => {
    const existing = join(work, 'existing.yaml');
    await writeFile(existing, 'keep me\n');
    const nowhere = [
      '--backup',
      'mysql://u:s3cret@127.0.0.1:1/a',
      '--interim',
      urlOf(interim.schema),
    ];
    const cases: [string[], number, RegExp][] = [
      [
        [...sides, '--out', existing],
        2,
        /^reconcile: --out: .*existing\.yaml exists \(give --force/,
      ],
      [[...nowhere, '--incident-start', 'yesterday'], 2, /^reconcile: --incident-start: expected/],
      [[...nowhere, '--min-inclusion', '1.5'], 2, /--min-inclusion.*expected a share from 0 to 1/],
      [[...sides, '--tables', 'nope'], 2, /^reconcile: --tables: no table "nope"/],
      [nowhere, 3, /^reconcile: mysql:\/\/u@127\.0\.0\.1:1\/a: /],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(['init', ...args, ...quiet]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n').length, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('s3cret');
      expect(r.stdout).toBe('');
    }
    expect(await readFile(existing, 'utf8')).toBe('keep me\n');
  });
});

describe('init connects as the other commands do', () => {
  const tag = randomBytes(3).toString('hex');
  const USER = `rt_initcnf_${tag}`;
  const PASSWORD = `Ini-${randomBytes(6).toString('hex')}`;

  it('takes its credentials from a --defaults-file alone, and shows the password nowhere', async () => {
    const admin = await connect(parseDbUrl(`${serverUrl()}/mysql`, 'admin'), { noSchema: true });
    try {
      await admin.execute(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'`);
      for (const s of [backup.schema, interim.schema]) {
        await admin.execute(`GRANT SELECT ON \`${s}\`.* TO '${USER}'@'%'`);
      }
      // User, password, host and port only in the file; the URLs name the schemas.
      const server = new URL(serverUrl());
      const cnf = join(work, 'init.cnf');
      await writeFile(
        cnf,
        `[client]\nuser = ${USER}\npassword = "${PASSWORD}"\nhost = ${server.hostname}\nport = ${server.port || '3306'}\n`,
      );
      await chmod(cnf, 0o600);
      expect((await stat(cnf)).mode & 0o777).toBe(0o600);
      const urls = [
        '--backup',
        `mysql:///${backup.schema}`,
        '--interim',
        `mysql:///${interim.schema}`,
      ];
      const out = join(work, 'from-cnf.yaml');
      const r = await runCli(
        ['init', ...urls, '--defaults-file', cnf, '--query-timeout', '60', '--json', '--out', out],
        { env: { MYSQL_PWD: '' } },
      );
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as InitDocument;
      expect(doc.backup).toBe(
        `mysql://${USER}@${server.hostname}:${server.port || '3306'}/${backup.schema}`,
      );
      expect(doc.tables.find((t) => t.table === 'orders')?.references[0]).toMatchObject({
        columns: ['merchant_id'],
        parent: 'merchant',
        enabled: true,
      });
      const yaml = await readFile(out, 'utf8');
      for (const text of [r.stdout, r.stderr, yaml]) expect(text).not.toContain(PASSWORD);
      // The same URLs with no option file name no host: refused before connecting.
      const none = await runCli(['init', ...urls, '--no-defaults', ...quiet]);
      expect(none.code).toBe(2);
      expect(none.stderr.trim()).toMatch(/^reconcile: --backup: the URL has no host/);
    } finally {
      await admin.execute(`DROP USER IF EXISTS '${USER}'@'%'`);
      await admin.close();
    }
  });

  it('lists the connection options in its help', async () => {
    const r = await runCli(['init', '--help']);
    for (const flag of [
      '--defaults-file',
      '--defaults-extra-file',
      '--no-defaults',
      '--ask-pass',
      '--query-timeout',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe('a column the backup holds no value of', () => {
  it('is measured on the interim, and enabled by its name when neither side holds one', async () => {
    const b = await schemas.create('initnull_b');
    const i = await schemas.create('initnull_i');
    const ddl = `CREATE TABLE plans (id INT PRIMARY KEY);
      CREATE TABLE accounts (id INT PRIMARY KEY, plan_id INT NULL, tier_id INT NULL, tiers_id INT NULL);
      CREATE TABLE tiers (id INT PRIMARY KEY);
      INSERT INTO plans VALUES (1), (2); INSERT INTO tiers VALUES (1);`;
    await sql(
      b,
      `${ddl} INSERT INTO accounts VALUES (1, NULL, NULL, NULL), (2, NULL, NULL, NULL);`,
    );
    await sql(
      i,
      `${ddl} INSERT INTO accounts VALUES (1, 1, NULL, NULL), (2, 2, NULL, NULL), (3, 9, NULL, NULL);`,
    );
    const r = await runCli([
      'init',
      '--backup',
      urlOf(b.schema),
      '--interim',
      urlOf(i.schema),
      '--json',
      ...quiet,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as InitDocument;
    const refs = doc.tables.find((t) => t.table === 'accounts')?.references ?? [];
    expect(refs.map((x) => [x.columns[0], x.parent, x.enabled])).toEqual([
      ['plan_id', 'plans', false],
      ['tier_id', 'tiers', true],
      ['tiers_id', 'tiers', true],
    ]);
    // 2 of the interim's 3 values are plans: below the threshold, and said to be the interim's.
    expect(refs[0]?.inclusion).toMatchObject({
      kind: 'measured',
      value: { side: 'interim', tested: 3, found: 2 },
    });
    expect(refs[1]?.why).toMatch(/no value on either side to test/);
  });
});

describe('measureInclusion (for callers outside init)', () => {
  it('measures one candidate on one schema, stating its sample', async () => {
    const c = await connect(interim);
    try {
      const candidate = {
        table: 'orders',
        columns: ['merchant_id'],
        parent: 'merchant',
        parentColumns: ['id'],
        rule: 'table-key' as const,
        constraint: null,
      };
      const got = await measureInclusion(
        c,
        interim.schema,
        candidate,
        ['id'],
        {
          rows: 3,
          values: 100,
          seconds: 5,
        },
        'interim',
      );
      expect(got).toEqual({
        kind: 'measured',
        value: {
          side: 'interim',
          tested: 3,
          found: 3,
          valuesCapped: false,
          sample: { rows: 3, wholeTable: false, which: 'first' },
        },
      });
    } finally {
      await c.close();
    }
  });
});

describe('the time budget', () => {
  it('stops a statement on the server when the table has no time left, as evidence', async () => {
    const c = await connect(backup);
    try {
      const t0 = performance.now();
      const r = await boundedQuery(c, new TimeBudget(0.3), {
        // 10^9 combinations of a 10-row table: minutes of work, unless stopped.
        sql: 'SELECT COUNT(*) AS n FROM orders a, orders b, orders c, orders d, orders e, orders f, orders g, orders h, orders i',
        params: [],
      });
      expect(r).toEqual({
        ok: false,
        reason: "not measured: the table's time budget (0.3 s) ran out",
      });
      expect(performance.now() - t0).toBeLessThan(5000);
      const refused = await boundedQuery(c, new TimeBudget(5), { sql: 'SELECT nope', params: [] });
      expect(refused.ok).toBe(false);
      if (!refused.ok)
        expect(refused.reason).toMatch(
          /^not measured: the server refused the query \(ER_BAD_FIELD_ERROR/,
        );
    } finally {
      await c.close();
    }
  });

  it('stops a statement at --query-timeout when that is shorter than what the table has left', async () => {
    setSessionLimits({ queryTimeoutSeconds: 1 });
    const c = await connect(backup);
    try {
      const t0 = performance.now();
      const r = await boundedQuery(c, new TimeBudget(60), {
        sql: 'SELECT COUNT(*) AS n FROM orders a, orders b, orders c, orders d, orders e, orders f, orders g, orders h, orders i',
        params: [],
      });
      expect(r).toEqual({
        ok: false,
        reason: 'not measured: a statement ran past --query-timeout (1 s)',
      });
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      await c.close();
      setSessionLimits(DEFAULT_SESSION_LIMITS);
    }
  });
});
