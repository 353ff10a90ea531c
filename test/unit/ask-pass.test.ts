import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type PromptIo, readSecret } from '../../src/cli/ask-pass.js';
import { askPasswords } from '../../src/cli/connection-options.js';
import { clientOptions } from '../../src/db/client-options.js';
import { parseDbUrl } from '../../src/db/url.js';
import { UsageError } from '../../src/errors.js';

/** A fake terminal: what the prompt writes, the raw-mode switches, and keys typed on demand. */
function fakeTerminal(keys: string[]) {
  const input = new PassThrough() as PassThrough & { setRawMode: (raw: boolean) => void };
  const output = new PassThrough();
  const raw: boolean[] = [];
  let written = '';
  let prompts = 0;
  const events: string[] = [];
  input.setRawMode = (on: boolean) => {
    raw.push(on);
    events.push(`raw ${on}`);
  };
  const write = output.write.bind(output);
  output.write = ((chunk: string) => {
    events.push(`write ${JSON.stringify(chunk)}`);
    return write(chunk);
  }) as typeof output.write;
  output.on('data', (d: Buffer) => {
    written += d.toString();
    // Keys arrive only once the prompt is up, as a person types them.
    if (d.toString().startsWith('Enter password')) {
      const k = keys[prompts++];
      if (k !== undefined) setImmediate(() => input.write(k));
    }
  });
  let closed = 0;
  const io: PromptIo = {
    input,
    output,
    close: () => {
      closed++;
    },
  };
  return {
    io,
    raw,
    events,
    written: () => written,
    closed: () => closed,
    prompts: () => prompts,
  };
}

describe('the password prompt', () => {
  it('reads in raw mode (no echo), erases with backspace, and ends the line', async () => {
    const t = fakeTerminal(['s3cr\u007fret\u0015s3cret\r']);
    const got = await readSecret('Enter password for dba@db:3306: ', t.io);
    expect(got).toBe('s3cret');
    expect(t.raw).toEqual([true, false]);
    expect(t.written()).toBe('Enter password for dba@db:3306: \n');
    // Echo goes off before the prompt shows, and comes back before the line ends.
    expect(t.events).toEqual([
      'raw true',
      'write "Enter password for dba@db:3306: "',
      'raw false',
      'write "\\n"',
    ]);
  });

  it('keeps multibyte characters whole, skips arrow keys, and gives up on Ctrl-C', async () => {
    const t = fakeTerminal(['pä\u00df\u007f']);
    const p = readSecret('Enter password: ', t.io);
    await new Promise((r) => setTimeout(r, 20));
    t.io.input.emit('data', '\u001b[A');
    t.io.input.emit('data', 'ß\n');
    expect(await p).toBe('päß');
    const c = fakeTerminal(['abc\u0003']);
    await expect(readSecret('Enter password: ', c.io)).rejects.toThrow(UsageError);
    expect(c.raw).toEqual([true, false]);
  });

  it('asks once per login, only where the URL gave no password, and keeps it secret', async () => {
    const t = fakeTerminal(['typed-1\n', 'typed-2\n']);
    const targets = {
      backup: parseDbUrl('mysql://dba@db1:3306/b', 'x', {}),
      interim: parseDbUrl('mysql://dba@db1:3306/i', 'x', {}),
      target: parseDbUrl('mysql://dba@db2:3306/i', 'x', {}),
      other: parseDbUrl('mysql://dba:in-url@db3:3306/i', 'x', {}),
    };
    const got = await askPasswords(targets, true, () => t.io);
    expect(t.prompts()).toBe(2);
    expect(t.written()).toBe(
      'Enter password for dba@db1:3306: \nEnter password for dba@db2:3306: \n',
    );
    expect([got.backup, got.interim, got.target, got.other].map((x) => x.password)).toEqual([
      'typed-1',
      'typed-1',
      'typed-2',
      'in-url',
    ]);
    expect(got.backup.passwordFrom).toBe('prompt');
    expect(JSON.stringify(got)).not.toContain('typed');
    expect(t.closed()).toBe(1);
  });

  it('asks without --ask-pass only where an option file says `password` alone, else never opens', async () => {
    const ask = clientOptions({ askPass: true }, undefined);
    const t = fakeTerminal(['x\n']);
    const got = await askPasswords(
      { a: parseDbUrl('mysql://u@h/s', 'x', {}, ask), b: parseDbUrl('mysql://u@h2/s', 'x', {}) },
      false,
      () => t.io,
    );
    expect(got.a.password).toBe('x');
    expect(got.b.password).toBeUndefined();
    const none = await askPasswords({ a: parseDbUrl('mysql://u@h/s', 'x', {}) }, false, () => {
      throw new Error('no terminal should be opened');
    });
    expect(none.a.passwordFrom).toBe('none');
  });
});
