import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import { datetime, generateIncident, INCIDENT_START } from '../../src/demo/incident.js';
import { generateAndLoad, incidentStatements, loadIncident } from '../../src/demo/incident-sql.js';
import { diffView, incidentTruth } from '../../src/demo/incident-truth.js';
import { KEYED_TABLES, SHOP_TABLES } from '../../src/demo/shop-schema.js';
import { type DemoValue, sqlLiteral } from '../../src/demo/sql-literal.js';
import { runDiff } from '../../src/diff/run-diff.js';
import { silentLogger } from '../../src/log.js';
import { sql, TestSchemas } from '../support/schemas.js';

const schemas = new TestSchemas();
afterAll(() => schemas.drop());

describe('the demo incident', () => {
  it('is the same for the same seed, and different for another', () => {
    const a = incidentStatements(generateIncident({ rows: 300, seed: 7 }).interim);
    const b = incidentStatements(generateIncident({ rows: 300, seed: 7 }).interim);
    const c = incidentStatements(generateIncident({ rows: 300, seed: 8 }).interim);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('tells the whole story: collisions, edits, restores, sign-ups, a re-registered email', () => {
    const incident = generateIncident({ rows: 1000, seed: 1 });
    const truth = incidentTruth(incident);
    for (const t of KEYED_TABLES) {
      expect(truth[t].collision, t).toBeGreaterThan(0);
      expect(truth[t].identical, t).toBeGreaterThan(0);
      expect(truth[t].onlyBackup, t).toBeGreaterThan(0);
      expect(truth[t].onlyInterim, t).toBeGreaterThan(0);
    }
    for (const t of ['merchants', 'customers', 'products', 'orders'] as const) {
      expect(truth[t].changed, t).toBeGreaterThan(0);
    }
    expect(truth.audit_log).toMatchObject({ changed: 0, collision: 0 });
    const lines = incident.backup.audit_log.map((r) => JSON.stringify(r));
    expect(new Set(lines).size, 'some audit lines are logged twice').toBeLessThan(lines.length);

    const { reRegisteredEmail: email, reRegistered } = incident.facts;
    const holders = (rows: typeof incident.backup.merchants) =>
      rows.filter((r) => r.email === email).map((r) => r.id);
    expect(holders(incident.backup.merchants)).toEqual([reRegistered.backupId]);
    expect(holders(incident.interim.merchants)).toEqual([reRegistered.interimId]);
    expect(reRegistered.interimId).not.toBe(reRegistered.backupId);
    // The interim's own rows were all created after the incident began (shop's local time).
    const start = datetime(Date.parse(INCIDENT_START));
    expect(start).toBe('2020-02-23 19:00:00.000');
    const backupMax = Math.max(...incident.backup.orders.map((r) => Number(r.id)));
    const late = incident.interim.orders.filter((r) => Number(r.id) > backupMax);
    expect(late.every((r) => String(r.created_at) > start)).toBe(true);
    expect(incident.backup.orders.every((r) => String(r.created_at) < start)).toBe(true);
  });

  it('scales with --rows', () => {
    const small = generateIncident({ rows: 200, seed: 1 });
    const big = generateIncident({ rows: 2000, seed: 1 });
    expect(small.backup.orders).toHaveLength(200);
    expect(big.backup.orders).toHaveLength(2000);
    expect(big.backup.customers.length).toBeGreaterThan(5 * small.backup.customers.length);
    expect(() => generateIncident({ rows: 10, seed: 1 })).toThrow(/at least 50/);
  });

  it('loads into fresh schemas, and diff finds exactly what the generator made', async () => {
    const incident = generateIncident({ rows: 800, seed: 42 });
    const backup = await schemas.create('demo_b');
    const interim = await schemas.create('demo_i');
    // Twice: a re-run drops and recreates the schemas it owns.
    await loadIncident(incident, { backup, interim });
    await loadIncident(incident, { backup, interim });
    const doc = await runDiff({
      backup,
      interim,
      tables: null,
      concurrency: 2,
      method: 'auto',
      sampleLimit: 0,
      outDir: null,
      logger: silentLogger(),
    });
    const truth = incidentTruth(incident);
    const seen = Object.fromEntries(
      doc.tables.map((t) => [
        t.table,
        {
          identical: t.identical,
          changed: t.changed,
          onlyBackup: t.onlyBackup,
          onlyInterim: t.onlyInterim,
        },
      ]),
    );
    const expected = Object.fromEntries(
      Object.entries(truth).map(([t, counts]) => [t, diffView(counts)]),
    );
    expect(seen).toEqual(expected);
    expect(doc.tables.every((t) => t.drift === null)).toBe(true);
  });
});

describe('the demo incident, generated straight into its schemas', () => {
  it('loads the same tables as the whole incident, and counts what the oracle counts', async () => {
    const options = { rows: 600, seed: 11 };
    const incident = generateIncident(options);
    const whole = {
      backup: await schemas.create('whole_b'),
      interim: await schemas.create('whole_i'),
    };
    const streamed = {
      backup: await schemas.create('stream_b'),
      interim: await schemas.create('stream_i'),
    };
    await loadIncident(incident, whole);
    const loaded = await generateAndLoad(options, streamed);
    expect(loaded.truth).toEqual(incidentTruth(incident));
    expect(loaded.facts).toEqual(incident.facts);
    expect(loaded.interimRows).toBe(
      SHOP_TABLES.reduce((s, t) => s + incident.interim[t].length, 0),
    );
    const checksums = async (t: typeof whole.backup): Promise<unknown[]> => {
      const c = await connect(t);
      try {
        const rows = await c.query<{ Checksum: string }>(
          `CHECKSUM TABLE ${SHOP_TABLES.join(', ')} EXTENDED`,
        );
        const sums = rows.map((r) => r.Checksum);
        expect(sums.every((x) => x !== null && x !== undefined)).toBe(true);
        return sums;
      } finally {
        await c.close();
      }
    };
    for (const side of ['backup', 'interim'] as const) {
      expect(await checksums(streamed[side]), side).toEqual(await checksums(whole[side]));
    }
  });
});

describe('sqlLiteral', () => {
  it('round-trips awkward text and bytes through the server', async () => {
    const t = await schemas.create('literal');
    const values: DemoValue[] = [
      "O'Brien",
      'back\\slash \\0 \\n',
      "Zoë's Café",
      'emoji 🧾',
      'nul\0byte',
      '',
      null,
      12345,
      Buffer.from([0x27, 0x5c, 0x00, 0xff]),
      Buffer.alloc(0),
    ];
    const rows = values.map((v, i) => {
      const text = Buffer.isBuffer(v) || typeof v === 'number' ? null : v;
      const bin = Buffer.isBuffer(v) ? v : null;
      const num = typeof v === 'number' ? v : null;
      return `(${i}, ${sqlLiteral(text)}, ${sqlLiteral(bin)}, ${sqlLiteral(num)})`;
    });
    await sql(
      t,
      `CREATE TABLE v (i INT PRIMARY KEY, t TEXT, b VARBINARY(10), n BIGINT);
       INSERT INTO v VALUES ${rows.join(', ')};`,
    );
    const c = await connect(t);
    try {
      const back = await c.rawRows('SELECT t, b, n FROM v ORDER BY i');
      back.forEach(([text, bin, num], i) => {
        const v = values[i];
        if (Buffer.isBuffer(v)) expect(bin).toEqual(v);
        else if (typeof v === 'number') expect(num?.toString()).toBe(String(v));
        else expect(text === null ? null : text?.toString('utf8')).toBe(v);
      });
    } finally {
      await c.close();
    }
    expect(() => sqlLiteral(1.5)).toThrow();
  });
});
