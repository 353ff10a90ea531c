import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLS_REQUIRED } from '../../src/db/connect-errors.js';
import { connect } from '../../src/db/mysql.js';
import type { Connection } from '../../src/db/types.js';
import { parseDbUrl } from '../../src/db/url.js';
import type { PlanManifest } from '../../src/plan/format.js';
import {
  makeCertificates,
  opensslAvailable,
  type TestCertificates,
} from '../support/certificates.js';
import { runCli } from '../support/cli.js';
import { PrivateServer } from '../support/private-server.js';
import { serverUrl } from '../support/schemas.js';
import {
  AFTER_MERGE,
  adminOf,
  customers,
  loadPair,
  planFilesText,
  roundTrip,
} from './round-trip.js';

/**
 * A server of the test's own with a certificate authority the test made, that refuses plain
 * TCP connections (require_secure_transport=ON): each TLS mode as a DBA would use it.
 */
const BACKUP = 'tls_backup';
const INTERIM = 'tls_interim';
/** the pair merged through a config whose endpoints are mappings, then rolled back */
const CFG_BACKUP = 'tls_cfg_backup';
const CFG_INTERIM = 'tls_cfg_interim';

describe.skipIf(!PrivateServer.available() || !opensslAvailable())('TLS', () => {
  let certs: TestCertificates;
  let server: PrivateServer;
  let admin: Connection;
  let dir: string;
  const tlsArgs = (cert: string) => [
    `--ssl-ca=${certs.ca}`,
    `--ssl-cert=${cert}`,
    `--ssl-key=${certs.serverKey}`,
    '--require-secure-transport=ON',
  ];
  const url = (schema: string, query: string, host = `127.0.0.1:${server.port}`) =>
    `mysql://root@${host}/${schema}${query ? `?${query}` : ''}`;
  /** The session's TLS version as the server sees it ('' when plain). */
  const tlsVersion = async (u: string): Promise<string> => {
    const c = await connect(parseDbUrl(u, 'test', {}), { connectTimeoutMs: 5000 });
    try {
      const rows = await c.rawRows("SHOW SESSION STATUS LIKE 'Ssl_version'");
      return rows[0]?.[1]?.toString() ?? '';
    } finally {
      await c.close();
    }
  };
  const diffLine = async (u: string) => {
    const r = await runCli(['diff', '--backup', u, '--interim', u, '--no-defaults']);
    return { code: r.code, lines: r.stderr.trim().split('\n') };
  };

  beforeAll(async () => {
    certs = await makeCertificates();
    server = await PrivateServer.start({ name: 'tls', args: tlsArgs(certs.serverCert) });
    dir = await mkdtemp(join(tmpdir(), 'reconcile-tls-'));
    admin = await adminOf(server);
    await loadPair(admin, BACKUP, INTERIM);
  });
  afterAll(async () => {
    admin?.destroy();
    if (server) {
      // A fresh session: the test restarts the server.
      const a = await adminOf(server);
      for (const s of [BACKUP, INTERIM, CFG_BACKUP, CFG_INTERIM]) {
        await a.execute(`DROP DATABASE IF EXISTS ${s}`);
      }
      await a.close();
      await server.stop();
    }
    await certs?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a plain connection is refused with the line that says what to add (exit 3)', async () => {
    const u = url(BACKUP, 'ssl-mode=DISABLED');
    const r = await diffLine(u);
    expect(r.code).toBe(3);
    expect(r.lines).toEqual([`reconcile: ${u}: ${TLS_REQUIRED}`]);
  });

  it('REQUIRED, and the default PREFERRED, connect over TLS without checking the certificate', async () => {
    expect(await tlsVersion(url(BACKUP, 'ssl-mode=REQUIRED'))).toMatch(/^TLSv1\.[23]$/);
    expect(await tlsVersion(url(BACKUP, ''))).toMatch(/^TLSv1\.[23]$/);
    // The shared server offers no TLS: PREFERRED connects plain, REQUIRED says why it cannot.
    const shared = `${serverUrl()}/mysql`;
    expect(await tlsVersion(shared)).toBe('');
    const refused = await diffLine(`${shared}?ssl-mode=REQUIRED`);
    expect(refused.code).toBe(3);
    expect(refused.lines).toHaveLength(1);
    expect(refused.lines[0]).toMatch(
      /the server does not offer TLS, and ssl-mode=REQUIRED requires it/,
    );
  });

  it('VERIFY_CA connects with the right CA and refuses another one (exit 3)', async () => {
    expect(await tlsVersion(url(BACKUP, `ssl-mode=VERIFY_CA&ssl-ca=${certs.ca}`))).toMatch(/^TLS/);
    // A CA alone means VERIFY_CA.
    expect(await tlsVersion(url(BACKUP, `ssl-ca=${certs.ca}`))).toMatch(/^TLS/);
    const wrong = await diffLine(url(BACKUP, `ssl-mode=VERIFY_CA&ssl-ca=${certs.otherCa}`));
    expect(wrong.code).toBe(3);
    expect(wrong.lines).toHaveLength(1);
    expect(wrong.lines[0]).toContain(
      `the server's certificate does not verify against ssl-ca ${certs.otherCa}`,
    );
    // PREFERRED and REQUIRED check a CA that is given, too.
    const given = await diffLine(url(BACKUP, `ssl-mode=REQUIRED&ssl-ca=${certs.otherCa}`));
    expect(given.code).toBe(3);
  });

  it('VERIFY_IDENTITY connects to a name the certificate holds', async () => {
    const byName = url(
      BACKUP,
      `ssl-mode=VERIFY_IDENTITY&ssl-ca=${certs.ca}`,
      `localhost:${server.port}`,
    );
    expect(await tlsVersion(byName)).toMatch(/^TLS/);
  });

  it('runs diff → plan → apply → verify over TLS, the plan recording the mode and no file contents', async () => {
    const q = `ssl-mode=VERIFY_CA&ssl-ca=${certs.ca}`;
    const r = await roundTrip(
      { backup: url(BACKUP, q), interim: url(INTERIM, q) },
      ['--no-defaults'],
      dir,
    );
    for (const side of ['backup', 'interim', 'target'] as const) {
      expect(r.manifest.sources[side].sslMode).toBe('VERIFY_CA');
      expect(r.manifest.sources[side].url).toContain(`ssl-ca=${certs.ca}`);
    }
    expect(await customers(admin, INTERIM)).toEqual(AFTER_MERGE);
    expect(await customers(admin, BACKUP)).toHaveLength(3);
    const files = await planFilesText(r.planDir);
    const caBody = (await readFile(certs.ca, 'utf8')).split('\n')[1] ?? 'x';
    expect(files).not.toContain('BEGIN CERTIFICATE');
    expect(files).not.toContain(caBody);
    // verify used the plan's mode: the wrong CA, given as "told otherwise", is refused.
    const told = await runCli([
      'verify',
      '--plan',
      r.planDir,
      '--target',
      url(INTERIM, `ssl-ca=${certs.otherCa}`),
      '--no-defaults',
    ]);
    expect(told.code).toBe(3);
    expect(told.stderr).toContain('does not verify against ssl-ca');
  });

  it("a config's endpoint mappings (url, ssl-mode, ssl-ca) carry plan → apply → verify → rollback --execute over TLS", async () => {
    await loadPair(admin, CFG_BACKUP, CFG_INTERIM);
    const before = await customers(admin, CFG_INTERIM);
    const config = (ca: string) =>
      [CFG_BACKUP, CFG_INTERIM]
        .map(
          (schema, i) =>
            `${i === 0 ? 'backup' : 'interim'}:\n  url: ${url(schema, '')}\n  ssl-mode: VERIFY_CA\n  ssl-ca: ${ca}\n`,
        )
        .join('');
    // The mapping's CA is the one checked: another CA in it is refused.
    const wrongFile = join(dir, 'wrong-ca.yaml');
    await writeFile(wrongFile, config(certs.otherCa));
    const wrong = await runCli([
      'plan',
      '--config',
      wrongFile,
      '--out',
      join(dir, 'no-plan'),
      '--no-defaults',
    ]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain(`does not verify against ssl-ca ${certs.otherCa}`);

    const configFile = join(dir, 'tls.yaml');
    await writeFile(configFile, config(certs.ca));
    const planDir = join(dir, 'cfg-plan');
    const cli = async (args: string[], code = 0) => {
      const r = await runCli([...args, '--no-defaults', '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const manifest = (await cli([
      'plan',
      '--config',
      configFile,
      '--out',
      planDir,
    ])) as unknown as PlanManifest;
    for (const side of ['backup', 'interim', 'target'] as const) {
      expect(manifest.sources[side].sslMode).toBe('VERIFY_CA');
      expect(manifest.sources[side].url).toContain(`ssl-ca=${certs.ca}`);
    }
    expect(manifest.totals).toMatchObject({ insert: 1, update: 0, unresolved: 0 });
    expect(await cli(['apply', '--plan', planDir, '--execute'])).toMatchObject({
      outcome: 'applied',
    });
    expect(await customers(admin, CFG_INTERIM)).toEqual(AFTER_MERGE);
    expect(await cli(['verify', '--plan', planDir])).toMatchObject({ ok: true });
    // rollback connects the way the plan did: over TLS, checking the same CA.
    expect(await cli(['rollback', '--plan', planDir, '--execute'])).toMatchObject({
      mode: 'execute',
      outcome: 'rolled-back',
      beforeOk: true,
    });
    expect(await customers(admin, CFG_INTERIM)).toEqual(before);
    const journal = await admin.rawRows(
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_reconcile_journal'",
      [CFG_INTERIM],
    );
    expect(journal[0]?.[0]?.toString()).toBe('0');
  });

  it('VERIFY_IDENTITY refuses a certificate for another name; VERIFY_CA still connects', async () => {
    await server.restart(tlsArgs(certs.elsewhereCert));
    const ca = `ssl-ca=${certs.ca}`;
    expect(await tlsVersion(url(BACKUP, `ssl-mode=VERIFY_CA&${ca}`))).toMatch(/^TLS/);
    const r = await diffLine(
      url(BACKUP, `ssl-mode=VERIFY_IDENTITY&${ca}`, `localhost:${server.port}`),
    );
    expect(r.code).toBe(3);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain("the server's certificate is not for localhost");
  });
});
