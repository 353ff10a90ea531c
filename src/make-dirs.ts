import { access, constants, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode } from './errno.js';

/**
 * `mkdir -p` that says why it failed. Node's recursive mkdir says ENOENT when a folder on the
 * way cannot be made on a read-only file system, which would read "create the folder"; then
 * the nearest folder that exists is asked whether it can be written, and its refusal (EROFS,
 * EACCES) is thrown as the mkdir's, on `path`.
 */
export async function makeDirs(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
    throw (await ancestorRefusal(path)) ?? e;
  }
}

async function ancestorRefusal(path: string): Promise<Error | null> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      await access(dir, constants.W_OK);
      return null;
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT') {
        const errno = e instanceof Error && 'errno' in e ? e.errno : undefined;
        return Object.assign(new Error(`${code}: cannot create ${path}`, { cause: e }), {
          code,
          errno,
          syscall: 'mkdir',
          path,
        });
      }
    }
    if (dirname(dir) === dir) return null;
  }
}
