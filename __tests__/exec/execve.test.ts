import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  chmodSync,
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeElf, parseElf } from '../../src/elf/index.js';
import { executability, goarchExecutability } from '../../src/exec/compat.js';
import { simulateExec, type ExecOptions } from '../../src/exec/execve.js';
import { openImage } from '../../src/image/open.js';
import type { ImageView } from '../../src/image/types.js';
import { FIELD, tinyElf } from '../support/tiny-elf.js';

/**
 * A root folder laid out like a small image: a program at /bin/sh, GNU-style /usr/bin/env, and
 * every kind of file the kernel refuses, each started the way runc starts an entrypoint.
 */
let root: string;
let view: ImageView;
const options: ExecOptions = {
  searchPath: '/usr/local/bin:/usr/bin:/bin',
  workingDir: '/',
  nodeGoarch: 'amd64',
};

function put(p: string, content: string | Buffer, mode = 0o755): void {
  const full = path.join(root, p);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
  chmodSync(full, mode);
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'execve-'));
  put('bin/sh', tinyElf(0));
  put('usr/bin/env', tinyElf(0));
  put('usr/bin/python3', tinyElf(0));
  put('crlf.sh', '#!/bin/sh\r\necho started\r\n');
  put('usr/merged/sh', tinyElf(0));
  symlinkSync('usr/merged', path.join(root, 'mbin'));
  put('crlf-merged.sh', '#!/mbin/sh\r\necho started\r\n');
  put('lf.sh', '#!/bin/sh\necho started\n');
  put('env-crlf.sh', '#!/usr/bin/env bash\r\necho started\r\n');
  put('env-two-words.sh', '#!/usr/bin/env python3 -u\nprint()\n');
  put('env-split.sh', '#!/usr/bin/env -S python3 -u\nprint()\n');
  put('nested.sh', '#!/lf.sh\n');
  put('empty', '');
  put('notes.txt', 'just some text\n');
  put('bom.sh', '\ufeff#!/bin/sh\necho started\n');
  put('late.sh', '\n#!/bin/sh\necho started\n');
  put('macho', Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]));
  put('no-x.sh', '#!/bin/sh\n', 0o644);
  const refused = tinyElf(0);
  refused.writeUInt16LE(1, FIELD.e_type);
  put('relocatable', refused);
  const crashing = tinyElf(0);
  crashing.writeBigUInt64LE(0n, FIELD.e_entry);
  put('entry-zero', crashing);
  mkdirSync(path.join(root, 'opt/app'), { recursive: true });
  symlinkSync('../app/bin/server', path.join(root, 'opt/app/current'));
  symlinkSync('/opt/app/current', path.join(root, 'app'));
  // A chain of 10,000 links and a loop.
  for (let i = 0; i < 10_000; i++) symlinkSync(`/chain-${i + 1}`, path.join(root, `chain-${i}`));
  symlinkSync('/chain-0', path.join(root, 'chain-start'));
  symlinkSync('/loop-b', path.join(root, 'loop-a'));
  symlinkSync('/loop-a', path.join(root, 'loop-b'));
  // A 100 MB script (sparse on disk): only its first 256 bytes matter.
  const big = path.join(root, 'big.sh');
  const fd = openSync(big, 'w', 0o755);
  writeSync(fd, '#!/bin/bash\n');
  ftruncateSync(fd, 100 * 1024 * 1024);
  closeSync(fd);
  chmodSync(big, 0o755);
  put('long-shebang.sh', `#!/bin/sh ${'x'.repeat(100 * 1024)}\n`);
  put('long-name.sh', `#!/${'d'.repeat(100 * 1024)}\n`);
  view = await openImage(
    { kind: 'archive', path: root },
    { analyzeElf, analyzeElfRanges: parseElf },
  );
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (p: string) => simulateExec(view, p, options);

describe('execve of a #! script', () => {
  it('a CRLF script: the kernel looks for "/bin/sh\\r", which does not exist', () => {
    expect(run('/crlf.sh').failure).toMatchObject({
      kind: 'shebang-interpreter',
      message: "the #! interpreter '/bin/sh\\r' does not exist in the image",
      runtimeError: 'exec /crlf.sh: no such file or directory',
    });
  });

  it('through a directory link (merged /usr) the name is missing, the link is not dangling', () => {
    expect(run('/crlf-merged.sh').failure).toMatchObject({
      kind: 'shebang-interpreter',
      message: "the #! interpreter '/mbin/sh\\r' does not exist in the image",
      evidence: expect.arrayContaining([
        '/usr/merged/sh\\r does not exist in the image',
        'the name ends in \\r: the script has Windows (CRLF) line endings, and the kernel reads the #! line up to \\n only',
      ]),
    });
  });

  it('its LF twin runs, as does a script run by a script', () => {
    expect(run('/lf.sh')).toMatchObject({ failure: null, executability: { runs: 'native' } });
    expect(run('/nested.sh').steps.map((s) => s.path)).toEqual(['/nested.sh', '/lf.sh', '/bin/sh']);
  });

  it('#!/usr/bin/env bash\\r: env looks "bash\\r" up in PATH and exits 127', () => {
    expect(run('/env-crlf.sh').failure).toMatchObject({
      kind: 'env-command-missing',
      runtimeError: "/usr/bin/env: 'bash\\r': No such file or directory",
      exitCode: 127,
    });
  });

  it('#!/usr/bin/env python3 -u: env gets one name "python3 -u"; with -S it splits', () => {
    expect(run('/env-two-words.sh').failure).toMatchObject({
      runtimeError: "/usr/bin/env: 'python3 -u': No such file or directory",
      evidence: expect.arrayContaining([
        'env receives the whole rest of the #! line as one name; env -S splits it',
      ]),
    });
    expect(run('/env-split.sh')).toMatchObject({ failure: null });
  });

  it('a script without an execute bit: permission denied', () => {
    expect(run('/no-x.sh').failure).toMatchObject({
      kind: 'not-executable',
      runtimeError: 'exec /no-x.sh: permission denied',
    });
  });
});

describe('execve of a file that is neither ELF nor #!', () => {
  it.each([
    ['/empty', 'an empty file'],
    ['/notes.txt', 'a text file without a #! line'],
    ['/bom.sh', 'a script whose #! follows a UTF-8 byte order mark'],
    [
      '/late.sh',
      'a script whose #! is not at the start of the file (blank lines or spaces before it)',
    ],
    ['/macho', 'a macOS Mach-O program'],
  ])('%s is %s: exec format error', (p, what) => {
    expect(run(p).failure).toMatchObject({
      kind: 'not-a-program',
      message: `${p} is ${what}: the kernel executes only ELF programs and #! scripts`,
      runtimeError: `exec ${p}: exec format error`,
    });
  });
});

describe('execve of an ELF file', () => {
  it('an ET_REL file is refused; an entry point of 0 dies with SIGSEGV', () => {
    expect(run('/relocatable').failure).toMatchObject({
      kind: 'kernel-elf',
      runtimeError: 'exec /relocatable: exec format error',
    });
    expect(run('/entry-zero').failure).toMatchObject({
      kind: 'kernel-elf',
      runtimeError: null,
      exitCode: 139,
      message: expect.stringContaining('the entry point 0x0 lies in no PT_LOAD segment'),
    });
  });
});

describe('symbolic links on the way', () => {
  it('a dangling relative link is named with its target and where the target was expected', () => {
    expect(run('/app').failure).toMatchObject({
      kind: 'dangling-symlink',
      path: '/opt/app/current',
      evidence: [
        '/opt/app/current is a symbolic link to ../app/bin/server (relative to /opt/app)',
        '/opt/app/bin does not exist in the image',
      ],
      runtimeError: 'exec /app: no such file or directory',
    });
  });

  it('a chain of 10,000 links and a loop stop at the kernel limit (40)', () => {
    expect(run('/chain-start').failure).toMatchObject({
      kind: 'symlink-loop',
      runtimeError: 'exec /chain-start: too many levels of symbolic links',
    });
    expect(run('/loop-a').failure).toMatchObject({ kind: 'symlink-loop' });
  });
});

describe('bad input', () => {
  it('a 100 MB script costs its first 256 bytes: its interpreter is missing', () => {
    expect(view.files.get('/big.sh')?.scriptHead?.length).toBe(256);
    expect(run('/big.sh').failure).toMatchObject({
      message: 'the #! interpreter /bin/bash does not exist in the image',
    });
  });

  it('a 100 KB #! line: the argument is cut at 256 bytes; a 100 KB name is refused', () => {
    expect(run('/long-shebang.sh')).toMatchObject({ failure: null });
    expect(run('/long-name.sh').failure).toMatchObject({
      kind: 'bad-shebang',
      runtimeError: 'exec /long-name.sh: exec format error',
    });
  });
});

describe('which node executes it', () => {
  const i386 = { goarch: '386', eMachine: 3, class: 32, endianness: 'little' } as const;
  const arm = { goarch: 'arm', eMachine: 40, class: 32, endianness: 'little' } as const;
  const x32 = { goarch: null, eMachine: 62, class: 32, endianness: 'little' } as const;

  it('i386 runs on amd64 (IA32 emulation); x32 does not; arm on arm64 depends on the CPU', () => {
    expect(executability(i386, 'amd64').runs).toBe('compat');
    expect(executability(x32, 'amd64').runs).toBe('no');
    expect(executability(arm, 'arm64').runs).toBe('depends');
    expect(executability(i386, 'arm64').runs).toBe('no');
    expect(goarchExecutability('386', 'amd64').runs).toBe('compat');
    expect(goarchExecutability('riscv64', 'riscv64').runs).toBe('native');
  });

  it('an amd64 program is refused by an arm64 node', () => {
    expect(
      simulateExec(view, '/bin/sh', { ...options, nodeGoarch: 'arm64' }).failure,
    ).toMatchObject({
      kind: 'foreign-machine',
      runtimeError: 'exec /bin/sh: exec format error',
    });
  });
});
