import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { endStream } from '../diff/jsonl-writer.js';
import { type Digest, DigestAccumulator } from '../hash/digest.js';
import type { DraftFiles } from './drafts.js';
import type { Action, ActionCounts } from './format.js';
import type { UniqueOutcome } from './unique-resolve.js';

export interface FinalActions {
  readonly fileSha256: string;
  readonly lines: number;
  readonly actions: ActionCounts;
  readonly digestAfter: Digest;
}

/**
 * Writes a table's actions file in execution order (deletes, updates, inserts, then the
 * unresolved ones), with the unique-key check's changes, and predicts the table's digest after:
 * before − every row an update or delete replaces + every row an insert or update writes.
 * Exact, because `verify` compares it with a fresh read of the target.
 */
export async function writeFinalActions(
  path: string,
  drafts: DraftFiles,
  unique: UniqueOutcome,
  digestBefore: Digest,
): Promise<FinalActions> {
  const out = createWriteStream(path);
  const failed: Error[] = [];
  out.on('error', (e) => failed.push(e));
  const sha = createHash('sha256');
  const acc = new DigestAccumulator(digestBefore);
  const counts: ActionCounts = { insert: 0, update: 0, delete: 0, unresolved: 0, keep: 0 };
  let lines = 0;

  const emit = async (a: Action): Promise<void> => {
    if (failed[0]) throw failed[0];
    const text = `${JSON.stringify(a)}\n`;
    sha.update(text);
    lines++;
    counts[a.op]++;
    switch (a.op) {
      case 'insert':
        acc.add(BigInt(`0x${a.hash}`));
        break;
      case 'update':
        acc.remove(BigInt(`0x${a.beforeHash}`));
        acc.add(BigInt(`0x${a.hash}`));
        break;
      case 'delete':
        acc.remove(BigInt(`0x${a.beforeHash}`));
        break;
      default:
        break;
    }
    if (!out.write(text)) await once(out, 'drain');
  };

  for await (const d of drafts.read(['delete'])) await emit(d.action);
  for (const a of unique.deletes) await emit(a);
  for await (const d of drafts.read(['update', 'insert', 'unresolved'])) {
    if (!unique.removed.has(d.id)) await emit(d.action);
  }
  for (const a of unique.unresolved) await emit(a);
  await endStream(out, () => failed[0] ?? null);
  if (failed[0]) throw failed[0];

  counts.keep = Number(BigInt(digestBefore.count) - BigInt(counts.update + counts.delete));
  return { fileSha256: sha.digest('hex'), lines, actions: counts, digestAfter: acc.toDigest() };
}
