import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errnoCode } from '../errno.js';
import { UsageError } from '../errors.js';
import { type ClientOptions, clientOptions } from './client-options.js';
import { type OptionFileLine, parseOptionFile } from './option-file-parse.js';
import { parseSslMode, type SslMode } from './tls.js';

/**
 * Option files, read as the mysql client reads them: `--defaults-file FILE` alone, or the
 * global files, then `--defaults-extra-file FILE`, then `~/.my.cnf`; later settings win. The
 * groups read are the client's (`[client]`, and MariaDB's `[client-server]`, `[client-mariadb]`)
 * and the tool's own `[reconcile]`. Values never reach a log: warnings name files, lines and
 * option names only, and the password is non-enumerable.
 */

export interface OptionFileChoice {
  /** `--defaults-file`: only this file */
  readonly defaultsFile?: string | undefined;
  /** `--defaults-extra-file`: read after the global files, before `~/.my.cnf` */
  readonly extraFile?: string | undefined;
  /** `--no-defaults`: read none */
  readonly noDefaults?: boolean;
  /** for tests: the global files and the home folder */
  readonly globalFiles?: readonly string[];
  readonly home?: string;
}

export interface OptionFiles {
  readonly options: ClientOptions;
  /** the files read, in order (paths only) */
  readonly read: readonly string[];
  /** files skipped and options ignored, one line each, without values */
  readonly warnings: readonly string[];
}

/** MariaDB's order on Unix (MySQL's adds nothing a Debian or RHEL host uses). */
export const GLOBAL_OPTION_FILES = ['/etc/my.cnf', '/etc/mysql/my.cnf'] as const;
const CLIENT_GROUPS = new Set(['client', 'client-server', 'client-mariadb']);
const TOOL_GROUP = 'reconcile';
/** The client library refuses deeper nesting too (a file that includes itself, say). */
const MAX_INCLUDE_DEPTH = 10;

export async function readOptionFiles(choice: OptionFileChoice): Promise<OptionFiles> {
  const reader = await collectOptionLines(choice);
  return {
    options: toClientOptions(reader.lines, reader.warnings),
    read: reader.read,
    warnings: reader.warnings,
  };
}

/** One option line as read, with its file: what `my_print_defaults` lists, in its order. */
export interface LocatedOption {
  readonly file: string;
  readonly option: Extract<OptionFileLine, { kind: 'option' }>;
}

/** Every option line of every file read (includes followed), in the order the client reads. */
export async function collectOptionLines(choice: OptionFileChoice): Promise<{
  readonly lines: readonly LocatedOption[];
  readonly read: readonly string[];
  readonly warnings: string[];
}> {
  if (choice.noDefaults && (choice.defaultsFile || choice.extraFile)) {
    throw new UsageError('--no-defaults reads no option file: drop --defaults-file/-extra-file');
  }
  if (choice.defaultsFile && choice.extraFile) {
    throw new UsageError('--defaults-file reads only that file: drop --defaults-extra-file');
  }
  const reader = new Reader();
  if (choice.noDefaults) return reader;
  if (choice.defaultsFile) {
    await reader.file(choice.defaultsFile, 'required', 0);
  } else {
    for (const f of choice.globalFiles ?? GLOBAL_OPTION_FILES) await reader.file(f, 'optional', 0);
    if (choice.extraFile) await reader.file(choice.extraFile, 'required', 0);
    await reader.file(join(choice.home ?? homedir(), '.my.cnf'), 'optional', 0);
  }
  return reader;
}

class Reader {
  readonly lines: LocatedOption[] = [];
  readonly read: string[] = [];
  readonly warnings: string[] = [];

  /**
   * `required`: named on the command line, must be readable (exit 2). `optional`: a default
   * file, skipped when absent. `include`: skipped when unreadable, as the client does (a
   * warning says so here).
   */
  async file(path: string, how: 'required' | 'optional' | 'include', depth: number) {
    if (depth > MAX_INCLUDE_DEPTH) {
      throw new UsageError(`${path}: option files include each other too deep (a loop?)`);
    }
    let text: string;
    try {
      const st = await stat(path);
      if (st.isFile() && (st.mode & 0o002) !== 0) {
        // The client ignores a world-writable file: anyone could have put a host in it.
        this.warnings.push(`${path}: world-writable option file ignored (as the mysql client)`);
        return;
      }
      text = await readFile(path, 'utf8');
    } catch (e) {
      const code = errnoCode(e) ?? String(e);
      if (how === 'required') throw new UsageError(`cannot read option file ${path} (${code})`);
      if (how === 'include' || code !== 'ENOENT') {
        this.warnings.push(`${path}: option file not read (${code})`);
      }
      return;
    }
    this.read.push(path);
    for (const l of parseOptionFile(text, path)) {
      if (l.kind === 'option') this.lines.push({ file: path, option: l });
      else if (l.kind === 'include') await this.file(l.path, 'include', depth + 1);
      else await this.dir(l.path, path, l.line, depth + 1);
    }
  }

  private async dir(dir: string, from: string, line: number, depth: number) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      const code = errnoCode(e) ?? String(e);
      // As the client: an !includedir it cannot list stops everything.
      throw new UsageError(
        `${from}:${line}: cannot read the folder of !includedir ${dir} (${code})`,
      );
    }
    for (const n of names.filter((x) => x.endsWith('.cnf')).sort()) {
      await this.file(join(dir, n), 'include', depth);
    }
  }
}

/** Names the tool reads; `_` counts as `-`, and `loose-` is dropped, as the client does. */
function normalName(name: string): string {
  return name.replaceAll('_', '-').replace(/^loose-/, '');
}

const STRING_KEYS = {
  user: 'user',
  host: 'host',
  socket: 'socket',
  'ssl-ca': 'sslCa',
  'ssl-cert': 'sslCert',
  'ssl-key': 'sslKey',
} as const;
const STRING_KEY_OF = new Map(Object.entries(STRING_KEYS));

interface Draft {
  fields: { -readonly [K in keyof Omit<ClientOptions, 'password'>]: ClientOptions[K] };
  password: string | undefined;
  mode: SslMode | undefined;
}

/** Later lines win, as on the client's command line (option files are read into it in order). */
function toClientOptions(lines: readonly LocatedOption[], warnings: string[]): ClientOptions {
  const d: Draft = { fields: {}, password: undefined, mode: undefined };
  for (const { file, option } of lines) {
    const tool = option.group === TOOL_GROUP;
    if (!tool && !CLIENT_GROUPS.has(option.group)) continue;
    const where = `${file}:${option.line}`;
    const name = normalName(option.name);
    if (!applyOption(d, name, option.value, where)) {
      if (tool) throw new UsageError(`${where}: [reconcile] has no option ${name}`);
      if (/^(skip-|disable-|enable-)?(ssl|tls)-/.test(name)) {
        warnings.push(`${where}: ${name} is not supported by reconcile: ignored`);
      }
    }
  }
  if (d.mode !== undefined) d.fields.sslMode = d.mode;
  return clientOptions(d.fields, d.password);
}

/** Applies one option to the draft; false when the tool does not know it. */
function applyOption(d: Draft, name: string, value: string | null, where: string): boolean {
  const key = STRING_KEY_OF.get(name);
  if (key !== undefined) {
    if (value === null || value === '') throw new UsageError(`${where}: ${name} needs a value`);
    d.fields[key] = value;
  } else if (name === 'port') {
    const port = Number(value);
    if (value === null || !/^\d+$/.test(value) || port < 1 || port > 65535) {
      throw new UsageError(`${where}: port: expected a number from 1 to 65535`);
    }
    d.fields.port = port;
  } else if (name === 'password') {
    // `password` alone means "ask me", as for the mysql client.
    d.password = value ?? undefined;
    if (value === null) d.fields.askPass = true;
    else delete d.fields.askPass;
  } else if (name === 'ssl-mode') {
    const mode = value === null ? null : parseSslMode(value);
    if (mode === null) {
      throw new UsageError(
        `${where}: ssl-mode: expected one of DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY`,
      );
    }
    d.mode = mode;
  } else {
    return applyMariadbSsl(d, name, value, where);
  }
  return true;
}

/**
 * MariaDB's client spells TLS as booleans: `ssl` (encrypt), `ssl-verify-server-cert` (check
 * the certificate and the host name), with `skip-`/`disable-`/`enable-` prefixes.
 */
function applyMariadbSsl(d: Draft, name: string, value: string | null, where: string): boolean {
  const m = /^(skip-|disable-|enable-)?(ssl|ssl-verify-server-cert)$/.exec(name);
  if (!m) return false;
  const negated = m[1] === 'skip-' || m[1] === 'disable-';
  const on = negated ? !bool(value, where, name) : bool(value, where, name);
  if (m[2] === 'ssl') {
    if (!on) d.mode = 'DISABLED';
    else if (d.mode !== 'VERIFY_CA' && d.mode !== 'VERIFY_IDENTITY') d.mode = 'REQUIRED';
  } else if (on) {
    d.mode = 'VERIFY_IDENTITY';
  } else if (d.mode === 'VERIFY_IDENTITY') {
    d.mode = 'REQUIRED';
  }
  return true;
}

function bool(value: string | null, where: string, name: string): boolean {
  if (value === null) return true;
  const v = value.toLowerCase();
  if (['1', 'on', 'true', 'yes'].includes(v)) return true;
  if (['0', 'off', 'false', 'no'].includes(v)) return false;
  throw new UsageError(`${where}: ${name}: expected 0 or 1`);
}
