import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIncidentStart } from '../../src/config/incident-time.js';
import { buildPlanConfig, loadPlanConfig, parseConfigText } from '../../src/config/load-config.js';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { tempDir } from '../support/temp.js';

const URLS = { backup: 'mysql://dba@db1:3306/shop_0223', interim: 'mysql://dba@db2:3306/shop' };

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(ExitCode.usage);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('config validation', () => {
  it('reports every problem at once, each with its path, what was expected and what was found', () => {
    const raw = parseConfigText(
      `
backup: mysql://dba@db1/shop_0223
interim: 42
incident:
  start: yesterday
defaults:
  onChanged: sometimes
  remap: both
tables:
  orders:
    naturalKey: []
    onchanged: newest
    references: { customer_id: customer }
  audit_log:
    skip: "yes"
colour: blue
`,
      'c.yaml',
    );
    expect(problemsOf(() => buildPlanConfig(raw, {}, 'c.yaml'))).toEqual([
      'interim: expected a mysql:// URL or a mapping with url:, got 42',
      'defaults.onChanged: expected one of prefer-interim|prefer-backup|newest|manual, got "sometimes"',
      'defaults.remap: expected one of interim|backup, got "both"',
      'tables.orders.naturalKey: expected at least one column, got an empty list',
      'tables.orders.references.customer_id: expected "table.column", got "customer"',
      'tables.orders.onchanged: unknown key (expected one of onMissingInInterim|onChanged|onUniqueConflict|remap|createdAt|updatedAt|naturalKey|skip|references)',
      'tables.audit_log.skip: expected true or false, got "yes"',
      'colour: unknown key (expected one of backup|interim|target|out|incident|defaults|tables)',
    ]);
  });

  it('checks what the schema cannot: URLs, the incident time, the columns newest and createdAt need', () => {
    const raw = {
      backup: 'postgres://x@h/db',
      incident: { start: '2020-02-31T19:00:00+08:00' },
      defaults: { onChanged: 'newest' },
      tables: { t: { createdAt: 'created' } },
    };
    const problems = problemsOf(() => buildPlanConfig(raw, {}, 'c.yaml'));
    expect(problems).toEqual([
      'backup: expected a mysql:// URL, got "postgres"://',
      'interim: required (give --interim or interim: in the config)',
      'incident.start: expected an ISO 8601 date-time with an offset, like "2020-02-23T19:00:00+08:00", got "2020-02-31T19:00:00+08:00"',
      'defaults.onChanged: newest needs defaults.updatedAt (the column that says which row is newer)',
    ]);
  });

  it('says which line a YAML syntax error is on', () => {
    expect(problemsOf(() => parseConfigText('tables:\n  a: [1, 2\n', 'c.yaml'))[0]).toMatch(
      /line \d+/,
    );
  });

  it('merges flags over the file, normalises, and freezes the result', async () => {
    const dir = await tempDir('cfg');
    const file = join(dir, 'c.json');
    await writeFile(
      file,
      JSON.stringify({
        ...URLS,
        target: 'interim',
        out: 'from-file',
        incident: { start: '2020-02-23T19:00:00+08:00' },
        tables: {
          orders: { naturalKey: 'order_no', references: { c_id: 'customer.id', b_id: 'x.y.id' } },
        },
      }),
    );
    const c = await loadPlanConfig(
      file,
      { interim: 'mysql://other:pw@db3/shop2', out: 'from-flag' },
      {},
    );
    expect(c.backup.schema).toBe('shop_0223');
    expect(c.interim.schema).toBe('shop2');
    expect(c.interim.password).toBe('pw');
    expect(JSON.stringify(c)).not.toContain('pw@');
    expect(c.out).toBe('from-flag');
    expect(c.target).toBeNull();
    expect(c.incident?.utc).toBe('2020-02-23 11:00:00.000000');
    expect(c.incident?.local).toBe('2020-02-23 19:00:00.000000');
    expect(c.tables.orders?.naturalKey).toEqual(['order_no']);
    expect(c.tables.orders?.references).toEqual([
      { column: 'b_id', table: 'x.y', refColumn: 'id' },
      { column: 'c_id', table: 'customer', refColumn: 'id' },
    ]);
    expect(c.defaults).toEqual({
      onMissingInInterim: 'restore',
      onChanged: 'prefer-interim',
      onUniqueConflict: 'manual',
      remap: 'interim',
      createdAt: null,
      updatedAt: null,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.tables.orders?.references)).toBe(true);
  });

  it('accepts the commented example in config/', async () => {
    const c = await loadPlanConfig('config/example.yaml', {}, {});
    expect(c.tables.orders?.onChanged).toBe('newest');
    expect(c.tables.audit_log?.skip).toBe(true);
    expect(c.incident?.utc).toBe('2020-02-23 11:00:00.000000');
  });

  it('reads a missing file as a config error, not a crash', async () => {
    await expect(loadPlanConfig('/nonexistent/reconcile.yaml', {})).rejects.toThrow(ConfigError);
  });
});

describe('incident start', () => {
  it('gives the UTC instant for TIMESTAMP columns and the wall clock for DATETIME ones', () => {
    expect(parseIncidentStart('2020-02-23T19:00:00.5-03:30')).toEqual({
      iso: '2020-02-23T19:00:00.5-03:30',
      utc: '2020-02-23 22:30:00.500000',
      local: '2020-02-23 19:00:00.500000',
      epochSeconds: '1582497000',
    });
    expect(parseIncidentStart('2020-02-23 19:00')).toBeNull();
  });
});
