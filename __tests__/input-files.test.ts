/**
 * Files named by inputs, with the real attacks (issue 16, items 1-3): a committed symlink to
 * /proc/self/environ (the token in the environment), devices, a FIFO (whose open would block
 * for ever), symlinks out of a folder source (`index.json -> /etc/passwd`). Each is refused with
 * one message that quotes nothing of the file.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../src/errors.js';
import { openImage } from '../src/image/index.js';
import { checkInputPath, excerpt, readInputText } from '../src/input-files.js';
import { bundleAction } from './action/run-action.js';
import { thrownMessage } from './support/thrown.js';

const FAKE_TOKEN = `ghp_${'Fk7'.repeat(12)}`;
let work = '';
let bundleDir = '';

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'e139-inputs-'));
  execFileSync('mkfifo', [path.join(work, 'fifo')]);
  symlinkSync('/proc/self/environ', path.join(work, 'environ-link'));
  symlinkSync('/etc/passwd', path.join(work, 'passwd-link'));
  writeFileSync(path.join(work, 'Dockerfile'), 'FROM scratch\n');
  mkdirSync(path.join(work, 'sub'));
  symlinkSync('../Dockerfile', path.join(work, 'sub', 'inner-link'));
  mkdirSync(path.join(work, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(path.join(work, 'rootfs', 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\n');
  mkdirSync(path.join(work, 'layout'));
  symlinkSync('/etc/passwd', path.join(work, 'layout', 'index.json'));
  writeFileSync(path.join(work, 'layout', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  bundleDir = bundleAction();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
});

const messageOf = (run: () => unknown): string => thrownMessage(run);

describe('checkInputPath', () => {
  it.each([
    ['fifo', 'file', 'the Dockerfile fifo: is a FIFO (named pipe), not a regular file'],
    [
      'fifo',
      'file-or-folder',
      'the Dockerfile fifo: is a FIFO (named pipe), not a regular file or a folder',
    ],
    [
      'environ-link',
      'file',
      'the Dockerfile environ-link: is on procfs, not a regular file of the repository',
    ],
    ['missing', 'file', 'the Dockerfile missing: does not exist'],
    ['sub', 'file', 'the Dockerfile sub: is a folder, not a regular file'],
  ] as const)('refuses %s as %s, without opening it', (name, kind, message) => {
    const given = path.join(work, name);
    expect(
      messageOf(() => checkInputPath(given, { what: 'the Dockerfile', kind, shownAs: name })),
    ).toBe(message);
  });

  it.each([
    ['/dev/zero', 'the archive /dev/zero: is a character device, not a regular file or a folder'],
    [
      '/dev/urandom',
      'the archive /dev/urandom: is a character device, not a regular file or a folder',
    ],
  ])('refuses the device %s', (device, message) => {
    expect(
      messageOf(() => checkInputPath(device, { what: 'the archive', kind: 'file-or-folder' })),
    ).toBe(message);
  });

  it('keeps a symlink inside its root and refuses one leading out of it', () => {
    const within = {
      what: "input 'dockerfile'",
      kind: 'file' as const,
      within: [work],
      withinName: 'the workspace',
    };
    expect(checkInputPath(path.join(work, 'sub', 'inner-link'), within).real).toBe(
      path.join(work, 'Dockerfile'),
    );
    expect(
      messageOf(() =>
        checkInputPath(path.join(work, 'passwd-link'), { ...within, shownAs: 'passwd-link' }),
      ),
    ).toBe("input 'dockerfile' passwd-link: is a symbolic link to a path outside the workspace");
    expect(messageOf(() => checkInputPath('/etc/passwd', within))).toBe(
      "input 'dockerfile' /etc/passwd: is outside the workspace",
    );
    // An archive the workflow names as written may be outside; through a link it may not.
    const archive = { ...within, outsideAsWritten: true };
    expect(checkInputPath('/etc/passwd', archive).real).toBe('/etc/passwd');
    expect(() => checkInputPath(path.join(work, 'passwd-link'), archive)).toThrow(
      /is a symbolic link to a path outside the workspace$/,
    );
  });
});

describe('readInputText', () => {
  it('reads at most the limit', () => {
    const file = path.join(work, 'big');
    writeFileSync(file, 'x'.repeat(101));
    expect(
      messageOf(() =>
        readInputText(file, { what: 'the config file', shownAs: 'big', maxBytes: 100 }),
      ),
    ).toBe('the config file big: is 101 bytes, larger than the 100-byte limit');
    expect(readInputText(file, { what: 'the config file', maxBytes: 101 })).toBe('x'.repeat(101));
  });
});

describe('excerpt', () => {
  it('quotes a short, escaped excerpt', () => {
    expect(excerpt('A=1\u0000B=2\u0000', 6)).toBe("'A=1\\x00B=…'");
    expect(excerpt(Buffer.from("it's\n"), 24)).toBe("'it\\'s\\x0a'");
  });
});

describe('folder sources', () => {
  it('never follow a symlink out of the folder (index.json -> /etc/passwd)', async () => {
    const error = await openImage({ kind: 'archive', path: path.join(work, 'layout') }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error!.message).toBe(
      `oci-layout:${path.join(work, 'layout')}: index.json: is a symbolic link to a path outside the folder`,
    );
  });
});

describe('the CLI, run as a process with a token in its environment', () => {
  function cli(args: string[]): { status: number | null; output: string } {
    const result = spawnSync(process.execPath, [path.join(bundleDir, 'cli.js'), ...args], {
      cwd: work,
      env: { PATH: process.env.PATH, GITHUB_TOKEN: FAKE_TOKEN },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: result.status, output: result.stdout + result.stderr };
  }
  const scanArgs = ['scan', '--archive', 'rootfs', '--platform', 'linux/amd64'];

  it.each([
    [
      ['--dockerfile', 'environ-link'],
      'the Dockerfile environ-link: is on procfs, not a regular file of the repository',
    ],
    [
      ['--config', 'environ-link'],
      'the config file environ-link: is on procfs, not a regular file of the repository',
    ],
    [['--dockerfile', 'fifo'], 'the Dockerfile fifo: is a FIFO (named pipe), not a regular file'],
    [
      ['--config', '/dev/zero'],
      'the config file /dev/zero: is a character device, not a regular file',
    ],
  ])('%j: refused at once, the token never printed', (extra, message) => {
    const { status, output } = cli([...scanArgs, ...extra]);
    expect(output).toBe(`exit139-guard scan: ${message}\n`);
    expect(status).toBe(2);
  });

  it('a Dockerfile that holds an environment block shows only its first word', () => {
    writeFileSync(path.join(work, 'env-dump'), `GITHUB_TOKEN=${FAKE_TOKEN}\0HOME=/root\0`);
    const { status, output } = cli([...scanArgs, '--dockerfile', 'env-dump']);
    expect(output).toBe('exit139-guard scan: env-dump:1: unknown instruction: GITHUB_TOKEN…\n');
    expect(status).toBe(2);
  });

  it('--dockerfile /dev/stdin of a shell pipeline: refused as the pipe it is, no stack trace', () => {
    // /dev/stdin of a pipe resolves to `/proc/<pid>/fd/pipe:[n]`, a name that does not exist.
    const result = spawnSync(
      'sh',
      [
        '-c',
        'printf "FROM scratch\\n" | "$0" "$@"',
        process.execPath,
        path.join(bundleDir, 'cli.js'),
        ...scanArgs,
        '--dockerfile',
        '/dev/stdin',
      ],
      { cwd: work, env: { PATH: process.env.PATH }, encoding: 'utf8' },
    );
    expect(result.stdout + result.stderr).toBe(
      'exit139-guard scan: the Dockerfile /dev/stdin: is a FIFO (named pipe), not a regular file\n',
    );
    expect(result.status).toBe(2);
  });

  it('--archive on a FIFO and a device: refused, nothing read', () => {
    expect(cli(['scan', '--archive', 'fifo']).output).toBe(
      'exit139-guard scan: the archive fifo: is a FIFO (named pipe), not a regular file or a folder\n',
    );
    expect(cli(['scan', '--archive', '/dev/zero']).output).toBe(
      'exit139-guard scan: the archive /dev/zero: is a character device, not a regular file or a folder\n',
    );
  });
});
