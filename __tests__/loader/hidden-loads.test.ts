/**
 * The parts of the hidden-load and search models that need no engine: /etc/nsswitch.conf read as
 * glibc reads it, and a library that only a glibc-hwcaps subdirectory holds (ld.so loads it only
 * on a CPU of that level; the simulation takes the baseline CPU). The scenario suite runs the
 * rest in real images (pthread-cancel-*, nss-module-missing, iconv-*).
 */
import { describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseNsswitch } from '../../src/loader/hidden-loads.js';
import { analyzeElf, parseElf } from '../../src/elf/index.js';
import { openImage } from '../../src/image/open.js';
import { simulateLoad } from '../../src/loader/index.js';
import { reportSkip } from '../support/skip.js';

describe('/etc/nsswitch.conf', () => {
  it('gives each database its services, without comments or [ACTION] blocks', () => {
    const conf = [
      '# /etc/nsswitch.conf',
      'passwd:         files systemd',
      '  group:files [SUCCESS=merge] sss # trailing comment',
      'hosts:          files mdns4_minimal [NOTFOUND=return] dns',
      'not a line',
      'netgroup:       nis',
    ].join('\n');
    expect([...parseNsswitch(conf)]).toEqual([
      ['passwd', ['files', 'systemd']],
      ['group', ['files', 'sss']],
      ['hosts', ['files', 'mdns4_minimal', 'dns']],
      ['netgroup', ['nis']],
    ]);
  });
});

describe('glibc-hwcaps subdirectories', () => {
  const loader = '/lib64/ld-linux-x86-64.so.2';
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const program = '/bin/true';

  it('a libc.so.6 only under glibc-hwcaps/x86-64-v3 is passed over, and said so', async () => {
    const missing = [loader, libc, program].filter((f) => !existsSync(f));
    if (missing.length > 0) {
      reportSkip('glibc-hwcaps search', `missing on this machine: ${missing.join(', ')}`);
      return;
    }
    const root = mkdtempSync(path.join(tmpdir(), 'hwcaps-'));
    try {
      const put = (from: string, to: string) => {
        mkdirSync(path.join(root, path.dirname(to)), { recursive: true });
        copyFileSync(realpathSync(from), path.join(root, to));
      };
      put(loader, '/lib64/ld-linux-x86-64.so.2');
      put(libc, '/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6');
      put(program, '/bin/true');
      const view = await openImage(
        { kind: 'archive', path: root },
        { analyzeElf, analyzeElfRanges: parseElf },
      );
      const sim = simulateLoad(view, '/bin/true');
      const missing = sim?.problems.filter((p) => p.kind === 'library-missing') ?? [];
      expect(missing.map((p) => [p.name, p.kind === 'library-missing' ? p.skipped : null])).toEqual(
        [
          [
            'libc.so.6',
            [
              {
                path: '/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6',
                reason:
                  'ld.so loads it only on a CPU that supports x86-64-v3; the baseline does not',
              },
            ],
          ],
        ],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("iconv_open's gconv modules", () => {
  const HOST_LIB = '/usr/lib/x86_64-linux-gnu';
  const CXX_PROGRAM = '/usr/bin/soelim'; // groff-base: C++, imports nothing of iconv itself
  const ICONV_PROGRAM = '/usr/bin/iconv'; // libc-bin: calls iconv_open

  it("are a hidden load of a program that calls iconv_open, not of libstdc++'s own import", async () => {
    if (!existsSync(CXX_PROGRAM) || !existsSync(`${HOST_LIB}/libstdc++.so.6`)) {
      reportSkip('gconv hidden loads', `${CXX_PROGRAM} or libstdc++.so.6 is not on this machine`);
      return;
    }
    const root = mkdtempSync(path.join(tmpdir(), 'gconv-'));
    try {
      mkdirSync(path.join(root, 'lib64'));
      mkdirSync(path.join(root, 'lib/x86_64-linux-gnu'), { recursive: true });
      mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
      copyFileSync(
        `${HOST_LIB}/ld-linux-x86-64.so.2`,
        path.join(root, 'lib64/ld-linux-x86-64.so.2'),
      );
      for (const lib of ['libc.so.6', 'libm.so.6', 'libgcc_s.so.1', 'libstdc++.so.6'])
        copyFileSync(
          realpathSync(`${HOST_LIB}/${lib}`),
          path.join(root, 'lib/x86_64-linux-gnu', lib),
        );
      copyFileSync(CXX_PROGRAM, path.join(root, 'usr/bin/soelim'));
      copyFileSync(ICONV_PROGRAM, path.join(root, 'usr/bin/iconv'));
      const view = await openImage(
        { kind: 'archive', path: root },
        { analyzeElf, analyzeElfRanges: parseElf },
      );
      const gconv = (program: string) =>
        simulateLoad(view, program)!.hiddenLoads.filter((l) => l.kind === 'gconv').length;
      expect(gconv('/usr/bin/soelim')).toBe(0);
      expect(gconv('/usr/bin/iconv')).toBe(1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
