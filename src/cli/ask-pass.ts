import { closeSync, openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import { errnoCode } from '../errno.js';
import { UsageError } from '../errors.js';

/**
 * `--ask-pass`: a password typed on the terminal, never echoed. It reads the controlling
 * terminal itself (/dev/tty), as ssh and sudo do, so it works while stdin and stdout are pipes
 * and never mixes with `--json` output.
 */

/** Where a prompt reads and writes: the terminal, or streams a test hands in. */
export interface PromptIo {
  readonly input: NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => unknown };
  readonly output: NodeJS.WritableStream;
  close(): void;
}

export function openTerminal(): PromptIo {
  let inFd: number;
  let outFd: number;
  try {
    inFd = openSync('/dev/tty', 'r');
  } catch (e) {
    const code = errnoCode(e) ?? String(e);
    throw new UsageError(
      `--ask-pass needs a terminal to ask on (/dev/tty: ${code}): put the password in an option file (--defaults-file) instead`,
    );
  }
  try {
    outFd = openSync('/dev/tty', 'w');
  } catch (e) {
    closeSync(inFd);
    throw e;
  }
  const input = new ReadStream(inFd);
  const output = new WriteStream(outFd);
  return {
    input,
    output,
    close: () => {
      input.destroy();
      output.destroy();
    },
  };
}

const ENTER = new Set(['\r', '\n', '\u0004']);
const ERASE = new Set(['\u007f', '\b']);

/**
 * Writes `prompt`, reads one line in raw mode (the terminal echoes nothing: no stars either,
 * so the length does not show), and ends the line. Backspace erases, Ctrl-U clears, Ctrl-C
 * gives up (a UsageError), Enter or Ctrl-D ends.
 */
export function readSecret(prompt: string, io: PromptIo): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = (err: Error | null) => {
      io.input.removeListener('data', onData);
      io.input.removeListener('end', onEnd);
      io.input.setRawMode?.(false);
      io.input.pause();
      io.output.write('\n');
      if (err) reject(err);
      else resolve(typed.join(''));
    };
    const onEnd = () => finish(null);
    const onData = (chunk: string | Buffer) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      // A key that is not a character (an arrow, F1) arrives as one escape sequence: skip it.
      if (text.startsWith('\u001b')) return;
      for (const ch of text) {
        if (ENTER.has(ch)) return finish(null);
        if (ch === '\u0003') return finish(new UsageError('interrupted at the password prompt'));
        if (ERASE.has(ch)) typed = typed.slice(0, -1);
        else if (ch === '\u0015') typed = [];
        else if (ch >= ' ') typed.push(ch);
      }
    };
    // Echo off before the prompt shows: a key typed the moment it appears must not echo.
    io.input.setRawMode?.(true);
    io.output.write(prompt);
    io.input.on('data', onData);
    io.input.on('end', onEnd);
    io.input.resume();
  });
}
