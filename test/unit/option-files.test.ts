import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOptionFile } from '../../src/db/option-file-parse.js';
import { collectOptionLines, readOptionFiles } from '../../src/db/option-files.js';
import { UsageError } from '../../src/errors.js';

const run = promisify(execFile);
const ORACLE = '/usr/bin/my_print_defaults';
const SECRET = 'p#ss w0rd';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reconcile-cnf-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

/** A file with the syntax's corners, each checked against MariaDB's own reader. */
async function trickyFiles(): Promise<string> {
  await mkdir(join(dir, 'conf.d'), { recursive: true });
  await file('conf.d/b.cnf', '[client]\nfrom_b = 2\n');
  await file('conf.d/a.cnf', '[client]\nfrom_a = 1\n[mysqld]\nport = 1\n');
  await file('conf.d/ignored.txt', '[client]\nnot_cnf = 1\n');
  await file('inc.cnf', '[client]\nincluded = yes\n[reconcile]\nuser = tool\n');
  return file(
    'tricky.cnf',
    [
      '# a comment',
      '; another',
      '[client]',
      'user = dba   ',
      `password = "${SECRET}" # the # inside quotes stays`,
      'host=db.example # comment',
      'port = 3307',
      "socket='/run/my sock'",
      'ssl_ca = /etc/ca.pem',
      'loose-ssl-cert = /x/cert.pem',
      'esc = a\\tb\\sc\\\\d\\qe',
      "quoted = 'it''s'",
      'half = "x" y',
      'cut = "x"#y',
      'tail = x\\\\#y',
      'open = "x#y',
      'bare',
      'skip-ssl',
      'eq==v',
      '  [ client ]  ',
      'not_here = 1',
      '[CLIENT] # case does not matter',
      'user = upper',
      '[mysqld]',
      'user = mysql',
      '[client]',
      `!include ${join(dir, 'inc.cnf')}`,
      `!include ${join(dir, 'missing.cnf')}`,
      `!includedir ${join(dir, 'conf.d')}`,
      'after = 1',
      '',
    ].join('\n'),
  );
}

describe.skipIf(!existsSync(ORACLE))('option files read as my_print_defaults reads them', () => {
  it('gives the same options, values and order for [client] and [reconcile]', async () => {
    const path = await trickyFiles();
    for (const groups of [['client'], ['client', 'reconcile']]) {
      const oracle = await run(ORACLE, [`--defaults-file=${path}`, ...groups]);
      const mine = await collectOptionLines({ defaultsFile: path });
      const printed = mine.lines
        .filter((l) => groups.includes(l.option.group))
        .map((l) => `--${l.option.name}${l.option.value === null ? '' : `=${l.option.value}`}`);
      expect(printed, groups.join(',')).toEqual(oracle.stdout.trimEnd().split('\n'));
      expect(printed.length).toBeGreaterThan(groups.length === 1 ? 20 : 21);
    }
  });

  it('ignores a world-writable file with a warning, as the client does', async () => {
    const path = await file('open.cnf', '[client]\nuser = someone\n', 0o666);
    const oracle = await run(ORACLE, [`--defaults-file=${path}`, 'client']);
    expect(oracle.stdout).toBe('');
    expect(oracle.stderr).toContain('World-writable config file');
    const r = await readOptionFiles({ globalFiles: [], home: dir, extraFile: path });
    expect(r.options.user).toBeUndefined();
    expect(r.warnings).toEqual([
      `${path}: world-writable option file ignored (as the mysql client)`,
    ]);
  });
});

describe('option files: what the tool takes from them', () => {
  it('maps [client] and [reconcile] to connection settings, later lines winning', async () => {
    const path = await file(
      'map.cnf',
      [
        '[client]',
        'user = dba',
        'password = first',
        'host = db.example',
        'port = 3307',
        'socket = /run/mysqld/mysqld.sock',
        'ssl',
        'ssl-ca = /etc/ca.pem',
        'ssl-capath = /etc/certs',
        'default-character-set = utf8mb4',
        '[reconcile]',
        `password = "${SECRET}"`,
        'ssl-verify-server-cert',
        '[mysqldump]',
        'user = other',
        '',
      ].join('\n'),
    );
    const r = await readOptionFiles({ defaultsFile: path });
    expect(r.options).toEqual({
      user: 'dba',
      host: 'db.example',
      port: 3307,
      socket: '/run/mysqld/mysqld.sock',
      sslCa: '/etc/ca.pem',
      sslMode: 'VERIFY_IDENTITY',
    });
    expect(r.options.password).toBe(SECRET);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(r.read).toEqual([path]);
    expect(r.warnings).toEqual([`${path}:9: ssl-capath is not supported by reconcile: ignored`]);
  });

  it('reads MariaDB and MySQL spellings of TLS, and `password` alone as "ask me"', async () => {
    const modes = async (lines: string[]) =>
      (
        await readOptionFiles({
          defaultsFile: await file('m.cnf', `[client]\n${lines.join('\n')}\n`),
        })
      ).options;
    expect((await modes(['ssl-mode = verify_ca'])).sslMode).toBe('VERIFY_CA');
    expect((await modes(['ssl', 'skip-ssl'])).sslMode).toBe('DISABLED');
    expect((await modes(['disable-ssl', 'ssl = 1'])).sslMode).toBe('REQUIRED');
    expect((await modes(['ssl-verify-server-cert', 'ssl'])).sslMode).toBe('VERIFY_IDENTITY');
    const ask = await modes(['password = x', 'password']);
    expect(ask.askPass).toBe(true);
    expect(ask.password).toBeUndefined();
    const typed = await modes(['password', 'password = ']);
    expect(typed.askPass).toBeUndefined();
    expect(typed.password).toBe('');
  });

  it('keeps escapes the oracle cannot print on one line', () => {
    const lines = parseOptionFile('[client]\nk=\\n\\r\\b.\nc=\\\nq="x\\"y"\n', 'f');
    expect(lines.map((l) => (l.kind === 'option' ? l.value : null))).toEqual([
      '\n\r\b.',
      '\\',
      'x"y',
    ]);
  });

  it('refuses, in one line naming the file and line, what the client refuses too', async () => {
    const cases: [string, RegExp][] = [
      ['user = x\n[client]\n', /:1: an option before any \[group\]/],
      ['[client\nuser = x\n', /:1: a group without its closing \]/],
      ['[client]\nport = 33o6\n', /:2: port: expected a number from 1 to 65535/],
      ['[client]\nssl-mode = ON\n', /:2: ssl-mode: expected one of/],
      ['[client]\nuser\n', /:2: user needs a value/],
      ['[reconcile]\nconcurrency = 4\n', /:2: \[reconcile\] has no option concurrency/],
      ['[reconcile]\nssl-cipher = x\n', /:2: \[reconcile\] has no option ssl-cipher/],
      [`[client]\n!includedir ${dir}/nope\n`, /:2: cannot read the folder of !includedir/],
      ['[client]\n!inclde x\n', /:2: unknown directive/],
    ];
    for (const [text, message] of cases) {
      const path = await file('bad.cnf', text);
      const read = readOptionFiles({ defaultsFile: path });
      await expect(read, text).rejects.toThrow(message);
      await expect(read).rejects.toThrow(UsageError);
    }
    const loop = await file('loop.cnf', `[client]\n!include ${join(dir, 'loop.cnf')}\n`);
    await expect(readOptionFiles({ defaultsFile: loop })).rejects.toThrow(/too deep/);
  });

  it('finds the files as the client does: defaults, extra, ~/.my.cnf; only --defaults-file', async () => {
    const globalFile = await file('global.cnf', '[client]\nuser = global\nhost = g\n');
    const extra = await file('extra.cnf', '[client]\nuser = extra\nport = 3310\n');
    const home = join(dir, 'home');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, '.my.cnf'), '[client]\nuser = home\n');
    const all = await readOptionFiles({
      globalFiles: [join(dir, 'absent.cnf'), globalFile],
      extraFile: extra,
      home,
    });
    expect(all.options).toEqual({ user: 'home', host: 'g', port: 3310 });
    expect(all.read).toEqual([globalFile, extra, join(home, '.my.cnf')]);
    expect(all.warnings).toEqual([]);
    const only = await readOptionFiles({ defaultsFile: extra, globalFiles: [globalFile], home });
    expect(only.options).toEqual({ user: 'extra', port: 3310 });
    expect((await readOptionFiles({ noDefaults: true })).read).toEqual([]);
  });

  it('refuses an unreadable option file named on the command line, and contradictory flags', async () => {
    await expect(readOptionFiles({ defaultsFile: join(dir, 'none.cnf') })).rejects.toThrow(
      /cannot read option file .*none\.cnf \(ENOENT\)/,
    );
    await expect(readOptionFiles({ extraFile: dir, globalFiles: [] })).rejects.toThrow(
      /cannot read option file .* \(EISDIR\)/,
    );
    await expect(readOptionFiles({ defaultsFile: 'a', extraFile: 'b' })).rejects.toThrow(
      /--defaults-file reads only that file/,
    );
    await expect(readOptionFiles({ noDefaults: true, defaultsFile: 'a' })).rejects.toThrow(
      /--no-defaults reads no option file/,
    );
  });
});
