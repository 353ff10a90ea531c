import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseRowHash } from '../../src/checksum/probe.js';
import { rowHashSql } from '../../src/checksum/row-expr.js';
import { connect } from '../../src/db/mysql.js';
import { SessionPool } from '../../src/db/session-pool.js';
import type { DbTarget } from '../../src/db/url.js';
import { TestSchemas } from '../support/schemas.js';

/**
 * A chunk checksum is the SUM of per-row hashes. If the per-row hash were affine over GF(2)
 * (CRC32 ‖ CRC32C of the row string is), two rows that swap a value would leave the XOR of the
 * four row hashes at exactly zero, and their sums would then collide with a probability of
 * about (3/4)^64 ≈ 1e-8 instead of 2^-64. The per-row hash must not be affine.
 */
const schemas = new TestSchemas();
let t: DbTarget;
let pool: SessionPool;

beforeAll(async () => {
  t = await schemas.create('rowhash');
  pool = await SessionPool.open(1, () => connect(t), { snapshot: false });
});
afterAll(async () => {
  await pool.close();
  await schemas.drop();
});

describe('the per-row hash of the chunk checksum', () => {
  it('is the fast CRC form on a server with CRC32C (MariaDB ≥ 10.8), SHA1 elsewhere', async () => {
    const fn = await chooseRowHash([pool]);
    const version = pool.primary.server.version;
    const m = /^(\d+)\.(\d+)/.exec(version);
    const crc32c = /mariadb/i.test(version) && m && (Number(m[1]) > 10 || Number(m[2]) >= 8);
    expect(fn).toBe(crc32c ? 'crc64-var' : 'sha1');
  });

  it('does not cancel when two rows swap a value', async () => {
    const fn = await chooseRowHash([pool]);
    // Rows (1,'alpha') and (2,'omega') become (1,'omega') and (2,'alpha'): same lengths.
    const rows = ['1|alpha', '2|omega', '1|omega', '2|alpha'];
    const hashes = await Promise.all(
      rows.map(async (r) => {
        const out = await pool.run((s) => s.rawRows(`SELECT ${rowHashSql('?', fn)}`, [r]));
        return BigInt(out[0]?.[0]?.toString('latin1') ?? 'x');
      }),
    );
    const [a, b, c, d] = hashes as [bigint, bigint, bigint, bigint];
    expect(a ^ b ^ c ^ d).not.toBe(0n);
    expect(a + b).not.toBe(c + d);
  });
});
