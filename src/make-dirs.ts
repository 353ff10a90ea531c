import { access, constants, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

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
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw (await ancestorRefusal(path)) ?? e;
  }
}

async function ancestorRefusal(path: string): Promise<Error | null> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      await access(dir, constants.W_OK);
      return null;
    } catch (e) {
      const x = e as NodeJS.ErrnoException;
      if (x.code !== 'ENOENT') {
        return Object.assign(new Error(`${x.code}: cannot create ${path}`, { cause: e }), {
          code: x.code,
          errno: x.errno,
          syscall: 'mkdir',
          path,
        });
      }
    }
    if (dirname(dir) === dir) return null;
  }
}
