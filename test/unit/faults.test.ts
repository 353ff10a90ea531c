import { describe, expect, it } from 'vitest';
import { compareCounters } from '../../src/apply/rollback-counters.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { ConnectionError, InterruptedError, PreconditionError } from '../../src/errors.js';
import { asFault, connectionReason, FaultError, faultOf, withApplied } from '../../src/faults.js';
import { maskPasswords } from '../../src/secrets.js';
import { StopToken } from '../../src/stop.js';

/** An error as mysql2 or Node make them: a code (and errno, syscall, path) on a plain Error. */
const coded = (fields: Record<string, unknown>): Error => Object.assign(new Error('x'), fields);

describe('faults are told from bugs by their code, in one place', () => {
  it.each([
    [{ code: 'ER_QUERY_INTERRUPTED', errno: 1317 }, 'query-killed'],
    [{ code: undefined, errno: 1969 }, 'timeout'], // MariaDB's max_statement_time
    [{ code: 'ER_QUERY_TIMEOUT', errno: 3024 }, 'timeout'], // MySQL's max_execution_time
    [{ code: 'RECONCILE_NO_ANSWER' }, 'timeout'],
    [{ code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }, 'lock-wait-timeout'],
    [{ code: 'ER_LOCK_DEADLOCK', errno: 1213 }, 'deadlock'],
    [{ code: 'ER_NET_PACKET_TOO_LARGE' }, 'packet-too-large'],
    [{ code: 'ECONNRESET', syscall: 'write' }, 'server-gone'],
    [{ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }, 'server-gone'],
    [{ fatal: true }, 'server-gone'], // mysql2: a command on a closed connection
    [{ code: undefined, errno: 1927 }, 'server-gone'], // MariaDB: connection killed
    [{ code: 'ER_DUP_ENTRY' }, 'value-refused'],
    [{ code: 'ER_OPTION_PREVENTS_STATEMENT', errno: 1290 }, 'read-only'], // read_only=ON
    [{ code: 'ER_READ_ONLY_MODE', errno: 1836 }, 'read-only'],
    [{ code: 'ENOSPC', syscall: 'write' }, 'disk'],
    [{ code: 'ENOENT', syscall: 'open', path: '/no/such/dir/x' }, 'no-folder'],
    [{ code: 'EROFS', syscall: 'mkdir', path: '/ro/plan' }, 'read-only'],
    [{ code: 'EACCES', syscall: 'open', path: '/x' }, 'permission'],
  ])('%j is %s', (fields, reason) => {
    expect(faultOf(coded(fields))?.reason).toBe(reason);
  });

  it('a bug stays a bug: no code, an unknown code, or an errno code of no system call', () => {
    expect(faultOf(new Error('lock wait timeout exceeded'))).toBeNull();
    expect(faultOf(coded({ code: 'ER_PARSE_ERROR', errno: 1064 }))).toBeNull();
    expect(faultOf(coded({ code: 'ENOENT' }))).toBeNull();
    expect(faultOf(new TypeError('x is undefined'))).toBeNull();
  });

  it('finds the code on a cause (a driver error wrapped by ours)', () => {
    const wrapped = new Error('QueryError', { cause: coded({ code: 'ER_LOCK_WAIT_TIMEOUT' }) });
    expect(faultOf(wrapped)?.reason).toBe('lock-wait-timeout');
  });

  it('connection codes are ConnectionError reasons, not faults of a run', () => {
    expect(connectionReason(coded({ code: 'ER_ACCESS_DENIED_ERROR' }))).toBe('access-denied');
    expect(connectionReason(coded({ code: 'ECONNREFUSED' }))).toBe('cannot-connect');
    expect(connectionReason(coded({ code: 'ER_BAD_DB_ERROR' }))).toBe('unknown-schema');
    expect(connectionReason(coded({ code: 'ER_LOCK_WAIT_TIMEOUT' }))).toBeNull();
  });

  it('says what happened where, what became of the batch, and what to do', () => {
    const e = asFault(coded({ code: 'ER_LOCK_WAIT_TIMEOUT' }), {
      where: 'mysql://dba@db:3306/shop',
      statement: 'SELECT',
    });
    expect(e).toBeInstanceOf(FaultError);
    const inBatch = (e as FaultError).within({
      table: 'shop.orders',
      batch: { seq: 12, committing: false },
    });
    expect(inBatch.reason).toBe('lock-wait-timeout');
    expect(inBatch.table).toBe('shop.orders');
    expect(inBatch.batch).toBe(12);
    expect(inBatch.message).toMatch(
      /^lock wait timeout on shop\.orders batch 12 .*\(in a SELECT; row locked by another transaction\); nothing of batch 12 was written; .*rerun to resume$/,
    );
    // A connection lost during COMMIT: the batch may have committed, and the line says so.
    const gone = asFault(coded({ code: 'PROTOCOL_CONNECTION_LOST' }), {
      table: 'shop.orders',
      batch: { seq: 3, committing: true },
    }) as FaultError;
    expect(gone.message).toContain('batch 3 was either committed with its journal row or not');
  });

  it("an apply's failed batch says how many batches of the plan stay applied, and the ways on", () => {
    const lock = asFault(coded({ code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }), {
      table: 'shop.orders',
      batch: { seq: 12, committing: false },
    }) as FaultError;
    const at = (batches: number, planDir = 'plans/p1') =>
      lock.within({ applied: { batches, planDir } });
    expect(at(10).message).toBe(
      'lock wait timeout on shop.orders batch 12 (row locked by another transaction); nothing of batch 12 was written; find the transaction holding it (information_schema.INNODB_TRX); 10 batches of this plan stay applied: rerun the same command to resume, or undo them with `reconcile rollback --plan plans/p1 --execute`',
    );
    expect(at(1).message).toMatch(
      /; 1 batch of this plan stays applied: rerun the same command to resume, or undo it with `reconcile/,
    );
    expect(at(0).message).toMatch(
      /; no batch of this plan is applied: rerun the same command to start again$/,
    );
    expect(at(2, "my plans/it's").message).toContain(
      "`reconcile rollback --plan 'my plans/it'\\''s' --execute`",
    );
    // A fault a rerun cannot get past: undo, then what the fault says to do.
    const dup = asFault(coded({ code: 'ER_DUP_ENTRY', errno: 1062 }), {
      table: 'shop.orders',
      batch: { seq: 5, committing: false },
    }) as FaultError;
    expect(dup.within({ applied: { batches: 3, planDir: 'p' } }).message).toMatch(
      /; nothing of batch 5 was written; 3 batches of this plan stay applied: finish the apply with `reconcile apply --plan p --execute --live` \(rows changed since the plan are deferred, not overwritten\), or undo them with `reconcile rollback --plan p --execute`, then make the plan again$/,
    );
    expect(dup.within({ applied: { batches: 0, planDir: 'p' } }).message).toMatch(
      /; no batch of this plan is applied: make the plan again$/,
    );
    // The connection lost during COMMIT: that batch may be applied or not.
    const gone = asFault(coded({ code: 'PROTOCOL_CONNECTION_LOST' }), {
      batch: { seq: 4, committing: true },
      applied: { batches: 2, planDir: 'p' },
    }) as FaultError;
    expect(gone.message).toMatch(
      /; 2 or 3 batches of this plan stay applied \(the journal knows\): rerun the same command to resume, or undo them with `reconcile rollback --plan p --execute`$/,
    );
    // Another refusal gets the same tail; an interruption and a bug are left as they are.
    const changed = withApplied(new PreconditionError('row-changed', 'the row changed'), {
      batches: 4,
      planDir: 'p',
    }) as PreconditionError;
    expect(changed.reason).toBe('row-changed');
    expect(changed.message).toBe(
      'the row changed; 4 batches of this plan stay applied: finish the apply with `reconcile apply --plan p --execute --live` (rows changed since the plan are deferred, not overwritten), or undo them with `reconcile rollback --plan p --execute`, then make the plan again',
    );
    const bug = new Error('bug');
    expect(withApplied(bug, { batches: 4, planDir: 'p' })).toBe(bug);
    const stop = new InterruptedError('SIGINT', 'interrupted');
    expect(withApplied(stop, { batches: 4, planDir: 'p' })).toBe(stop);
  });
});

describe('exit codes and the --json error document', () => {
  const run = (e: unknown) => {
    const lines: string[] = [];
    const docs: unknown[] = [];
    const code = exitCodeFor(
      e,
      (l) => lines.push(l),
      (d) => docs.push(d),
    );
    return { code, lines, doc: docs[0] };
  };

  it('a refusal: exit 3, one line, and its reason and table in the document', () => {
    const r = run(new PreconditionError('stale-plan', 'shop changed\nmore', { table: 'orders' }));
    expect(r.code).toBe(3);
    expect(r.lines).toEqual(['reconcile: shop changed']);
    expect(r.doc).toEqual({
      error: { exit: 3, reason: 'stale-plan', message: 'shop changed', table: 'orders' },
    });
  });

  it('a file-system fault with no class of ours is exit 3 too, naming the file', () => {
    const r = run(coded({ code: 'ENOSPC', syscall: 'write', path: '/plans/p/plan.json' }));
    expect(r.code).toBe(3);
    expect(r.doc).toMatchObject({ error: { exit: 3, reason: 'disk' } });
    expect(r.lines[0]).toContain('/plans/p/plan.json');
  });

  it('a bug is exit 70 with its stack; an interrupt 130 or 143', () => {
    const bug = run(new TypeError('boom'));
    expect(bug.code).toBe(70);
    expect(bug.lines[0]).toContain('TypeError: boom');
    expect(bug.doc).toMatchObject({ error: { exit: 70, reason: 'internal' } });
    expect(run(new InterruptedError('SIGINT', 'stopped')).code).toBe(130);
    expect(run(new InterruptedError('SIGTERM', 'stopped')).code).toBe(143);
    expect(run(new ConnectionError('no', { reason: 'access-denied' })).doc).toMatchObject({
      error: { exit: 3, reason: 'access-denied' },
    });
  });

  it.each([
    // Faults no CLI test provokes cheaply: a deadlock (InnoDB picks its victim), a server in
    // read-only mode (SET GLOBAL on a shared server is not ours to do).
    ['deadlock', { code: 'ER_LOCK_DEADLOCK', errno: 1213 }],
    ['read-only', { code: 'ER_OPTION_PREVENTS_STATEMENT', errno: 1290 }],
  ])('a %s in a batch: its reason, table and batch in the document', (reason, fields) => {
    const e = asFault(coded(fields), {
      where: 'mysql://dba@db:3306/shop',
      statement: 'UPDATE',
      table: 'shop.orders',
      batch: { seq: 7, committing: false },
    });
    const r = run(e);
    expect(r.code).toBe(3);
    expect(r.doc).toMatchObject({ error: { exit: 3, reason, table: 'shop.orders', batch: 7 } });
    expect(r.lines[0]).toMatch(/ on shop\.orders batch 7 .*nothing of batch 7 was written/);
  });

  it('masks a password in what it prints', () => {
    const r = run(new PreconditionError('stale-plan', 'cannot use mysql://dba:S3cret there'));
    expect(r.lines[0]).not.toContain('S3cret');
    expect(JSON.stringify(r.doc)).not.toContain('S3cret');
  });
});

describe('passwords are masked, with or without @', () => {
  it.each([
    ['mysql://dba:MyS3cret', 'mysql://dba:***'],
    ['mysql://dba:MyS3cret/shop', 'mysql://dba:***'],
    ['got "mysql://dba:My/S3cret"', 'got "mysql://dba:***"'],
    ['mysql://u:p@h:1/s and mariadb://x:y%40z@h/s', 'mysql://u:***@h:1/s and mariadb://x:***@h/s'],
    ['mysql://root:p@ss@host/x', 'mysql://root:***@host/x'],
    // All digits without '@': a password as likely as a port; which one, no text can tell.
    ['mysql://dba:12345', 'mysql://dba:***'],
    ['got "mysql://dba:12345"', 'got "mysql://dba:***"'],
    ['mysql://dba:12345/shop', 'mysql://dba:***'],
    ['mariadb://dba:0', 'mariadb://dba:***'],
  ])('%s', (text, masked) => {
    expect(maskPasswords(text)).toBe(masked);
  });

  it.each([
    'mysql://db-prod/shop',
    'mysql://u@h:1/s at 10:30 a@b',
    'mysql://[::1]:3306/x',
    'https://example.com/a:b',
    'mysql://dba:***@h/x',
  ])('leaves %s alone', (text) => {
    expect(maskPasswords(text)).toBe(text);
  });
});

describe('a stop token', () => {
  it('a request waits for the batch boundary; force runs the hooks once', () => {
    const t = new StopToken();
    let closed = 0;
    t.onForce(() => closed++);
    t.request('SIGTERM');
    expect([t.requested, t.forced, closed]).toEqual(['SIGTERM', null, 0]);
    t.force('SIGINT');
    t.force('SIGINT');
    expect([t.requested, t.forced, closed]).toEqual(['SIGTERM', 'SIGINT', 1]);
  });

  it('forceOnly passes a force on, not a request (a rehearsal rollback must finish)', () => {
    const t = new StopToken();
    const inner = StopToken.forceOnly(t);
    t.request('SIGINT');
    expect(inner.requested).toBeNull();
    t.force('SIGINT');
    expect(inner.forced).toBe('SIGINT');
  });
});

describe('counters after a rollback', () => {
  it('any counter not back at its value before the apply is a mismatch', () => {
    const want = [
      { table: 'customer', value: '5003' },
      { table: 'orders', value: '9004' },
    ];
    const now = [
      { table: 'customer', value: '5003' },
      { table: 'orders', value: '9100' },
    ];
    expect(compareCounters(want, now).map((c) => c.ok)).toEqual([true, false]);
    expect(compareCounters(want, []).every((c) => !c.ok)).toBe(true);
  });
});
