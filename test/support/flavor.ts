import { connect } from '../../src/db/mysql.js';
import { parseDbUrl } from '../../src/db/url.js';
import { serverUrl } from './schemas.js';

/** Whether the test server is MariaDB or MySQL (some fixtures need the other's syntax). */
export async function serverFlavor(): Promise<'mariadb' | 'mysql'> {
  const c = await connect(parseDbUrl(`${serverUrl()}/mysql`, 'server'), { noSchema: true });
  try {
    return c.server.flavor;
  } finally {
    await c.close();
  }
}
