import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty folder under the system's temporary folder; the caller removes it. */
export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `reconcile-${label}-`));
}
