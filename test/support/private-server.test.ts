import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import { parseDbUrl } from '../../src/db/url.js';
import { PrivateServer } from './private-server.js';

const query = async (url: string, sql: string): Promise<string> => {
  const c = await connect(parseDbUrl(`${url}/mysql`, 'test', {}), {
    noSchema: true,
    connectTimeoutMs: 2000,
  });
  try {
    const rows = await c.rawRows(sql);
    return rows[0]?.[0]?.toString() ?? '';
  } finally {
    await c.close();
  }
};

describe.skipIf(!PrivateServer.available())('a private server', () => {
  let s: PrivateServer | null = null;
  afterAll(async () => {
    await s?.stop();
  });

  it('starts on its own port, survives kill -9 with its data, pauses and resumes', async () => {
    s = await PrivateServer.start({ name: 'selftest', args: ['--max-allowed-packet=2M'] });
    expect(s.port).not.toBe(3306);
    expect(await query(s.url, 'SELECT @@port')).toBe(String(s.port));
    expect(await query(s.url, 'SELECT @@max_allowed_packet')).toBe(String(2 << 20));
    await query(s.url, 'CREATE DATABASE k');
    await query(s.url, 'CREATE TABLE k.t (id INT PRIMARY KEY) ENGINE=InnoDB');
    await query(s.url, 'INSERT INTO k.t VALUES (1), (2)');
    await s.kill();
    expect(await s.answers()).toBe(false);
    await s.restart();
    expect(await query(s.url, 'SELECT COUNT(*) FROM k.t')).toBe('2');
    s.pause();
    expect(await s.answers()).toBe(false);
    s.resume();
    expect(await query(s.url, 'SELECT 1')).toBe('1');
  });
});
