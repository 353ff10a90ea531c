/**
 * Do worker threads pay for client-side hashing on this machine? Reads a bench table in key
 * ranges and canonicalises + xxHashes every row (the client path's work per chunk), on the main
 * thread (two connections in flight, as the engine reads two sides) and on N worker threads
 * with a connection each, and prints rows/s and the client's CPU seconds for each.
 *
 *   node dist/bench/bench/workers.js [--schema reconcile_bench_scattered_2000000_b]
 *     [--rows 500000] [--threads 1,2,3] [--url mysql://root@127.0.0.1:3306]
 *
 * The engine keeps hashing on the main thread: on two cores the server producing the rows
 * needs them as much as the hashing does (see the report this prints).
 */
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { connect } from '../src/db/mysql.js';
import { quoteId } from '../src/db/quote.js';
import { parseDbUrl } from '../src/db/url.js';
import { RowEncoder } from '../src/hash/row-encoding.js';
import { loadHash64 } from '../src/hash/xxhash.js';
import { BENCH_TABLE } from './generate.js';

interface Job {
  readonly url: string;
  readonly chunks: [number, number][];
}

const FAMILIES = ['decimal', 'temporal', 'integer', 'text', 'integer', 'float'] as const;
const SELECT = `SELECT amount, created, id, note, qty, score FROM ${quoteId(BENCH_TABLE)} WHERE id > ? AND id <= ? ORDER BY id`;

async function work(job: Job): Promise<number> {
  const c = await connect(parseDbUrl(job.url, 'bench'));
  const hash = await loadHash64();
  const encoder = new RowEncoder([...FAMILIES]);
  let rows = 0;
  let x = 0n;
  try {
    for (const [lo, hi] of job.chunks) {
      for (const r of await c.rawRows(SELECT, [String(lo), String(hi)])) {
        x ^= hash(Buffer.from(encoder.encode(r)));
        rows++;
      }
    }
  } finally {
    await c.close();
  }
  return x === -1n ? -1 : rows;
}

function inWorker(job: Job): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      schema: { type: 'string' },
      rows: { type: 'string' },
      threads: { type: 'string' },
      url: { type: 'string' },
    },
  });
  const base = (values.url ?? process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(
    /\/[^/@]*$/,
    '',
  );
  const url = `${base}/${encodeURIComponent(values.schema ?? 'reconcile_bench_scattered_2000000_b')}`;
  const rows = Number(values.rows ?? 500_000);
  const threads = (values.threads ?? '1,2,3,1,2,3').split(',').map(Number);
  const step = 10_000;
  const chunks: [number, number][] = [];
  for (let lo = 0; lo < rows; lo += step) chunks.push([lo, lo + step]);
  for (const n of threads) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const ways = Math.max(2, n);
    const parts = Array.from({ length: ways }, (_, w) => ({
      url,
      chunks: chunks.filter((_, k) => k % ways === w),
    }));
    const done = await Promise.all(parts.map((p) => (n === 1 ? work(p) : inWorker(p))));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const total = done.reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${JSON.stringify({
        threads: n === 1 ? 'main' : n,
        rows: total,
        seconds: Math.round(seconds * 1000) / 1000,
        rowsPerSecond: Math.round(total / seconds),
        clientCpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
      })}\n`,
    );
  }
}

if (isMainThread) await main();
else parentPort?.postMessage(await work(workerData as Job));
