/**
 * Which rows of a `copy` action (rows restored unchanged from the backup) the target holds
 * otherwise. The plan keeps only the action's count and sum, not each row, so the rows are
 * compared with the backup's, which the action copied: the target's and the backup's count and
 * sum over the action's keys are split in halves, server-side, down to the keys that differ (a
 * bisection, as data-diff narrows a checksum). Only where the backup still holds exactly the
 * rows the plan saw (its count and sum over the keys are the plan's) and is readable through
 * the target's session (the same server); otherwise the missing keys are named and the rest
 * is said for the whole action.
 */
import { type CopyAction, type CopyCheck, digestOfSet } from '../apply/restore-run.js';
import type { Cell, Row } from '../cell/cells.js';
import type { Session } from '../db/types.js';
import { hex64 } from '../hash/xxhash.js';
import { keyCells, type TableShape } from '../sql/statements.js';
import { rowsAtKeys } from './key-rows.js';
import type { Finding } from './mismatch-finding.js';

/** Statements one table's bisection may run (two per split): bounded whatever the table's size. */
const BISECT_STATEMENTS = 400;

interface Part {
  readonly keys: readonly (readonly Cell[])[];
  /** inclusive ranges of a table keyed by one integer column */
  readonly ranges: readonly (readonly [bigint, bigint])[];
}

interface Building {
  readonly keys: (readonly Cell[])[];
  readonly ranges: (readonly [bigint, bigint])[];
}

interface Sum {
  readonly count: bigint;
  readonly sum: bigint;
}

export interface CopyContext {
  readonly s: Session;
  readonly sh: TableShape;
  readonly check: CopyCheck;
  /** the backup's schema when the target's session reads it (the same server), else null */
  readonly backup: string | null;
  readonly found: Finding;
  /** statements left for bisection, shared by the table's copy actions */
  budget: number;
}

export function copyContext(
  s: Session,
  sh: TableShape,
  check: CopyCheck,
  backup: string | null,
  found: Finding,
): CopyContext {
  return { s, sh, check, backup, found, budget: BISECT_STATEMENTS };
}

/** Checks one copy action; what differs goes to `ctx.found`. */
export async function checkCopy(ctx: CopyContext, a: CopyAction): Promise<void> {
  const part: Part = {
    keys: a.keys.map((k) => keyCells(ctx.sh, k, `${ctx.sh.name} copy`)),
    ranges: a.ranges.map(([lo, hi]): [bigint, bigint] => [BigInt(lo), BigInt(hi)]),
  };
  const planned: Sum = { count: BigInt(a.count), sum: BigInt(`0x${a.sum}`) };
  const got = await digest(ctx, ctx.sh.schema, part);
  if (same(got, planned)) return;
  const ref = ctx.backup === null ? null : await digest(ctx, ctx.backup, part).catch(() => null);
  if (ref !== null && same(ref, planned)) {
    await bisect(ctx, part, got, ref);
    return;
  }
  const why =
    ctx.backup === null
      ? 'the backup is on another server, which verify does not read'
      : ref === null
        ? `the backup's ${ctx.backup}.${ctx.sh.name} is not readable here`
        : `the backup's rows there are no longer the ones the plan saw (${ref.count} rows, sum ${hex64(ref.sum)})`;
  await unnarrowed(ctx, part, got, planned, why);
}

async function bisect(ctx: CopyContext, part: Part, got: Sum, ref: Sum): Promise<void> {
  if (same(got, ref)) return;
  const one = single(part);
  if (one !== null) {
    ctx.found.add({
      key: keyRow(ctx.sh, one),
      range: null,
      rows: 1,
      problem: got.count === 0n ? 'missing' : 'differs',
      detail:
        got.count === 0n
          ? 'a row the plan restores from the backup; the target has none'
          : "a row the plan restored from the backup; the target's differs from the backup's",
    });
    return;
  }
  if (ctx.found.full() || ctx.budget < 2) {
    ctx.found.add(partEntry(ctx.sh, part, got, ref, 'not narrowed further'));
    return;
  }
  const [x, y] = split(part);
  ctx.budget -= 2;
  const gx = await digest(ctx, ctx.sh.schema, x);
  const rx = await digest(ctx, ctx.backup, x);
  await bisect(ctx, x, gx, rx);
  await bisect(ctx, y, minus(got, gx), minus(ref, rx));
}

/** Without the backup to compare with: the missing keys, else the action as a whole. */
async function unnarrowed(
  ctx: CopyContext,
  part: Part,
  got: Sum,
  planned: Sum,
  why: string,
): Promise<void> {
  const keys = [...part.keys];
  for (const [lo, hi] of part.ranges) for (let i = lo; i <= hi; i++) keys.push([i.toString()]);
  const rows = await rowsAtKeys(ctx.s, ctx.sh, keys);
  let missing = 0;
  rows.forEach((r, n) => {
    if (r !== undefined) return;
    missing++;
    ctx.found.add({
      key: keyRow(ctx.sh, keys[n] ?? []),
      range: null,
      rows: 1,
      problem: 'missing',
      detail: 'a row the plan restores from the backup; the target has none',
    });
  });
  // Missing rows explain the count and the sum; a row present but changed shows only in the
  // sum, and only when none is missing can it be told apart.
  if (missing === 0) ctx.found.add(partEntry(ctx.sh, part, got, planned, why));
}

function partEntry(sh: TableShape, part: Part, got: Sum, ref: Sum, why: string) {
  const n = size(part);
  const span = integerSpan(part);
  return {
    key: span === null ? keyRow(sh, part.keys[0] ?? []) : null,
    range: span,
    rows: Number(n),
    problem: 'copy-differs' as const,
    detail: `${n.toLocaleString('en-US')} rows restored from the backup${span === null ? `, at ${part.keys.length} keys from this one` : ''}: the target holds ${got.count} rows there, sum ${hex64(got.sum)}, the backup ${ref.count}, sum ${hex64(ref.sum)}; ${why}`,
  };
}

async function digest(ctx: CopyContext, schema: string | null, part: Part): Promise<Sum> {
  const d = await digestOfSet(
    ctx.s,
    { ...ctx.sh, schema },
    {
      keys: part.keys.map((k) => [...k]),
      ranges: part.ranges.map(([lo, hi]): [string, string] => [lo.toString(), hi.toString()]),
    },
    ctx.check,
  );
  return { count: BigInt(d.count), sum: BigInt(`0x${d.sum}`) };
}

/** The one key of a part of one row, or null. */
function single(part: Part): Cell[] | null {
  const first = part.ranges[0];
  if (part.keys.length === 1 && part.ranges.length === 0) return [...(part.keys[0] ?? [])];
  if (part.keys.length === 0 && part.ranges.length === 1 && first && first[0] === first[1])
    return [first[0].toString()];
  return null;
}

function size(part: Part): bigint {
  return part.ranges.reduce((n, [lo, hi]) => n + hi - lo + 1n, BigInt(part.keys.length));
}

/** Two halves of about equal size: whole units (ranges, keys) apart, or one range cut in two. */
function split(part: Part): [Part, Part] {
  const only = part.ranges[0];
  if (part.keys.length === 0 && part.ranges.length === 1 && only) {
    const mid = only[0] + (only[1] - only[0]) / 2n;
    return [
      { keys: [], ranges: [[only[0], mid]] },
      { keys: [], ranges: [[mid + 1n, only[1]]] },
    ];
  }
  const half = size(part) / 2n;
  const units: { r: readonly [bigint, bigint] | null; k: readonly Cell[] | null; w: bigint }[] = [
    ...part.ranges.map((r) => ({ r, k: null, w: r[1] - r[0] + 1n })),
    ...part.keys.map((k) => ({ r: null, k, w: 1n })),
  ];
  const left: Building = { keys: [], ranges: [] };
  const right: Building = { keys: [], ranges: [] };
  let n = 0n;
  for (const [i, u] of units.entries()) {
    // The first unit always goes left and the last right: both halves are smaller.
    const side = i === 0 || (n < half && i < units.length - 1) ? left : right;
    if (u.r) side.ranges.push(u.r);
    if (u.k) side.keys.push(u.k);
    n += u.w;
  }
  return [left, right];
}

function integerSpan(part: Part): [string, string] | null {
  if (part.ranges.length === 0 || part.keys.length > 0) return null;
  let lo = part.ranges[0]?.[0] ?? 0n;
  let hi = part.ranges[0]?.[1] ?? 0n;
  for (const [a, z] of part.ranges) {
    if (a < lo) lo = a;
    if (z > hi) hi = z;
  }
  return [lo.toString(), hi.toString()];
}

const MASK = (1n << 64n) - 1n;

function minus(a: Sum, b: Sum): Sum {
  return { count: a.count - b.count, sum: (a.sum - b.sum) & MASK };
}

function same(a: Sum, b: Sum): boolean {
  return a.count === b.count && a.sum === b.sum;
}

export function keyRow(sh: TableShape, cells: readonly Cell[]): Row {
  return Object.fromEntries(sh.key.map((c, i) => [c.name, cells[i] ?? null]));
}
