import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEndpoints } from '../../src/apply/endpoints.js';
import { clientOptions } from '../../src/db/client-options.js';
import { tlsAttempt } from '../../src/db/tls.js';
import { describeTarget, parseDbUrl, sameAddress, withSchema } from '../../src/db/url.js';
import { UsageError } from '../../src/errors.js';
import type { PlanManifest } from '../../src/plan/format.js';

const SECRET = 'Opt-f1le-secret';
const fromFile = clientOptions(
  { user: 'filer', host: 'db-file', port: 3307, socket: '/run/mysqld/mysqld.sock' },
  SECRET,
);

describe('URLs with TLS options and sockets', () => {
  it('reads the mysql client names from the query, any case, - or _', () => {
    const t = parseDbUrl(
      'mysql://dba@db.example:3306/shop?ssl_mode=verify_identity&ssl-ca=/etc/ssl/ca%20x.pem',
      '--backup',
      {},
    );
    expect(t.tls).toEqual({
      mode: 'VERIFY_IDENTITY',
      ca: '/etc/ssl/ca x.pem',
      cert: null,
      key: null,
    });
    expect(t.socket).toBeNull();
    // Default: PREFERRED, as the mysql client; a CA alone means its chain is checked.
    expect(parseDbUrl('mysql://dba@h/s', 'x', {}).tls.mode).toBe('PREFERRED');
    expect(parseDbUrl('mysql://dba@h/s?ssl-ca=/ca.pem', 'x', {}).tls.mode).toBe('VERIFY_CA');
  });

  it('refuses unknown, repeated or empty options and bad modes, with exit 2', () => {
    const bad = [
      ['mysql://u@h/s?sslmode=REQUIRED', /unknown URL option "sslmode"/],
      ['mysql://u@h/s?ssl-mode=REQUIRED&ssl_mode=DISABLED', /ssl-mode is given twice/],
      ['mysql://u@h/s?ssl-ca=', /ssl-ca has no value/],
      ['mysql://u@h/s?ssl-mode=ON', /ssl-mode: expected one of DISABLED\|PREFERRED/],
      ['mysql://u@db-prod/s?socket=/x.sock', /the host must be localhost/],
      ['mysql:///s', /the URL has no host/],
    ] as const;
    for (const [url, message] of bad) {
      expect(() => parseDbUrl(url, '--backup', {}), url).toThrow(message);
      expect(() => parseDbUrl(url, '--backup', {})).toThrow(UsageError);
    }
  });

  it('takes a socket on localhost, or host-less, and describes it so it parses back', () => {
    const a = parseDbUrl('mysql://root@localhost/shop?socket=/run/mysqld/mysqld.sock', 'x', {});
    const b = parseDbUrl('mysql:///shop?socket=/run/mysqld/mysqld.sock', 'x', {});
    for (const t of [a, b]) {
      expect(t).toMatchObject({ host: 'localhost', socket: '/run/mysqld/mysqld.sock' });
      expect(describeTarget(t)).toBe('mysql://root@localhost/shop?socket=/run/mysqld/mysqld.sock');
    }
    const tls = parseDbUrl(
      'mysql://u@db:3307/s?ssl-mode=VERIFY_CA&ssl-ca=/a b/ca.pem&ssl-cert=/c.pem&ssl-key=/k+1.pem',
      'x',
      {},
    );
    const again = parseDbUrl(describeTarget(tls), 'y', {});
    expect(again).toEqual(tls);
    expect(describeTarget(parseDbUrl('mysql://u@db:3307/s', 'x', {}))).toBe('mysql://u@db:3307/s');
    expect(sameAddress(a, b)).toBe(true);
    expect(sameAddress(a, parseDbUrl('mysql://root@localhost:3306/shop', 'x', {}))).toBe(false);
    expect(withSchema(a, 'other')).toMatchObject({ socket: a.socket, tls: a.tls, schema: 'other' });
  });

  it('layers as the client does: the URL, then option files, then MYSQL_PWD', () => {
    const env = { MYSQL_PWD: 'from-env' };
    const bare = parseDbUrl('mysql:///shop', 'x', env, fromFile);
    expect(bare).toMatchObject({ user: 'filer', host: 'db-file', port: 3307, socket: null });
    expect(bare.password).toBe(SECRET);
    expect(bare.passwordFrom).toBe('option-file');
    // An option file's socket is for localhost only; the URL's own values win.
    const local = parseDbUrl('mysql://me:url-pw@localhost/shop', 'x', env, fromFile);
    expect(local).toMatchObject({ user: 'me', socket: '/run/mysqld/mysqld.sock' });
    expect(local.password).toBe('url-pw');
    const tcp = parseDbUrl('mysql://me@127.0.0.1:3306/shop', 'x', env, fromFile);
    expect(tcp).toMatchObject({ host: '127.0.0.1', port: 3306, socket: null });
    expect(tcp.password).toBe(SECRET);
    const envOnly = parseDbUrl('mysql://me@h/shop', 'x', env);
    expect(envOnly.password).toBe('from-env');
    expect(envOnly.passwordFrom).toBe('MYSQL_PWD');
    const ask = parseDbUrl(
      'mysql://me@h/shop',
      'x',
      env,
      clientOptions({ askPass: true }, undefined),
    );
    expect(ask.passwordFrom).toBe('ask');
    for (const t of [bare, local, tcp]) {
      expect(JSON.stringify(t)).not.toContain(SECRET);
      expect(describeTarget(t)).not.toContain(SECRET);
    }
  });

  it('lets a --target URL override a plan endpoint only in credentials and TLS', () => {
    const manifest = {
      sources: {
        backup: { url: 'mysql://dba@db1:3306/b', schema: 'b', server: '' },
        interim: { url: 'mysql://dba@db2:3307/i', schema: 'i', server: '' },
        target: {
          url: 'mysql://dba@db2:3307/i?ssl-mode=VERIFY_CA&ssl-ca=/etc/ca.pem',
          schema: 'i',
          server: '',
          sslMode: 'VERIFY_CA',
        },
      },
    } as unknown as PlanManifest;
    const planned = resolveEndpoints(manifest, {}, {}, fromFile);
    expect(planned.target.tls).toMatchObject({ mode: 'VERIFY_CA', ca: '/etc/ca.pem' });
    expect(planned.target.password).toBe(SECRET);
    // Without a user or TLS settings of its own, the flag keeps the plan's.
    const pw = resolveEndpoints(manifest, { target: 'mysql://:typed@db2:3307/i' }, {});
    expect(pw.target).toMatchObject({ user: 'dba', tls: { mode: 'VERIFY_CA', ca: '/etc/ca.pem' } });
    expect(pw.target.password).toBe('typed');
    const told = resolveEndpoints(
      manifest,
      { target: 'mysql://dba@db2:3307/i?ssl-mode=VERIFY_IDENTITY&ssl-ca=/new.pem' },
      {},
    );
    expect(told.target.tls).toMatchObject({ mode: 'VERIFY_IDENTITY', ca: '/new.pem' });
    expect(() =>
      resolveEndpoints(manifest, { target: 'mysql://dba@localhost/i?socket=/x.sock' }, {}),
    ).toThrow(/is not the plan's target/);
  });
});

describe('TLS modes as driver options', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reconcile-tls-unit-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const at = (url: string) => parseDbUrl(url, 'x', {});

  it('maps each mode (no TLS over a socket unless asked, no certificate check unless asked)', () => {
    expect(tlsAttempt(at('mysql://u@h/s?ssl-mode=DISABLED'), 'x')).toEqual({
      ssl: undefined,
      fallbackToPlain: false,
    });
    expect(tlsAttempt(at('mysql://u@h/s'), 'x')).toEqual({
      ssl: { rejectUnauthorized: false, verifyIdentity: false },
      fallbackToPlain: true,
    });
    expect(tlsAttempt(at('mysql://u@localhost/s?socket=/x.sock'), 'x').ssl).toBeUndefined();
    expect(tlsAttempt(at('mysql://u@h/s?ssl-mode=REQUIRED'), 'x')).toEqual({
      ssl: { rejectUnauthorized: false, verifyIdentity: false },
      fallbackToPlain: false,
    });
    expect(tlsAttempt(at('mysql://u@h/s?ssl-mode=VERIFY_CA'), 'x').ssl).toEqual({
      rejectUnauthorized: true,
      verifyIdentity: false,
    });
    expect(tlsAttempt(at('mysql://u@db.example/s?ssl-mode=VERIFY_IDENTITY'), 'x').ssl).toEqual({
      rejectUnauthorized: true,
      verifyIdentity: true,
    });
  });

  it('refuses what it cannot honour, in one line: unreadable or non-PEM files, an IP to verify', async () => {
    const notPem = join(dir, 'not.pem');
    await writeFile(notPem, 'hello');
    expect(() => tlsAttempt(at(`mysql://u@h/s?ssl-ca=${dir}/missing.pem`), 'x')).toThrow(
      /cannot read ssl-ca .*missing\.pem \(ENOENT\)/,
    );
    expect(() => tlsAttempt(at(`mysql://u@h/s?ssl-ca=${notPem}`), 'x')).toThrow(
      /ssl-ca does not load \(.*no start line\)/,
    );
    // Before anything connects: when the URL is read.
    expect(() => at(`mysql://u@h/s?ssl-cert=${notPem}`)).toThrow(
      /ssl-cert and ssl-key go together/,
    );
    expect(() => at('mysql://u@127.0.0.1/s?ssl-mode=VERIFY_IDENTITY')).toThrow(
      /^x: ssl-mode=VERIFY_IDENTITY .* cannot check an IP address \(127\.0\.0\.1\)/,
    );
    expect(at('mysql://u@localhost/s?ssl-mode=VERIFY_IDENTITY&socket=/x').socket).toBe('/x');
  });
});
