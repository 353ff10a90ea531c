import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL = '/usr/bin/openssl';

/**
 * A certificate authority and server certificates of a test's own, made with `openssl`: the
 * server's names as SANs (`DNS:localhost,IP:127.0.0.1`), and a second CA that signed nothing
 * the server holds. Readable by the `mysql` user, as a private mariadbd runs as it under root.
 */
export interface TestCertificates {
  readonly dir: string;
  readonly ca: string;
  /** a CA that did not sign the server's certificate */
  readonly otherCa: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** the same key, certified for `db.example` only: for a host name that does not match */
  readonly elsewhereCert: string;
  remove(): Promise<void>;
}

export function opensslAvailable(): boolean {
  return existsSync(OPENSSL);
}

export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-certs-'));
  const at = (f: string) => join(dir, f);
  const selfSigned = (name: string, cn: string) =>
    run(OPENSSL, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      at(`${name}-key.pem`),
      '-out',
      at(`${name}.pem`),
    ]);
  await selfSigned('ca', 'reconcile test CA');
  await selfSigned('other-ca', 'reconcile other CA');
  await run(OPENSSL, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=reconcile test server',
    '-keyout',
    at('server-key.pem'),
    '-out',
    at('server.csr'),
  ]);
  const sign = async (out: string, san: string) => {
    await writeFile(at(`${out}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n`);
    await run(OPENSSL, [
      'x509',
      '-req',
      '-in',
      at('server.csr'),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca-key.pem'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      at(`${out}.ext`),
      '-out',
      at(`${out}.pem`),
    ]);
  };
  await sign('server', 'DNS:localhost,IP:127.0.0.1');
  await sign('elsewhere', 'DNS:db.example');
  await chmod(dir, 0o755);
  for (const f of await readdir(dir)) await chmod(at(f), 0o644);
  return {
    dir,
    ca: at('ca.pem'),
    otherCa: at('other-ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server-key.pem'),
    elsewhereCert: at('elsewhere.pem'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
