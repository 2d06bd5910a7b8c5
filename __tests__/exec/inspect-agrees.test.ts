/**
 * `inspect` and `scan` agree on what the kernel does with a program and on whether it can be
 * read: the same verdict for a program binfmt_elf refuses, one it kills at once, and one the
 * fact parser cannot read (which `scan` reports as an error when the image starts it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { scan } from '../../src/scan.js';
import { FIELD, tinyElf } from '../support/tiny-elf.js';

let root: string;

const programs: Record<string, Buffer> = {
  relocatable: (() => {
    const b = tinyElf(0);
    b.writeUInt16LE(1, FIELD.e_type);
    return b;
  })(),
  'entry-zero': (() => {
    const b = tinyElf(0);
    b.writeBigUInt64LE(0n, FIELD.e_entry);
    return b;
  })(),
  // EI_DATA 7: the parser cannot tell the byte order; the kernel does not look at it.
  'bad-ei-data': (() => {
    const b = tinyElf(0);
    b[5] = 7;
    return b;
  })(),
  good: tinyElf(0),
};

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'inspect-agrees-'));
  for (const [name, bytes] of Object.entries(programs)) {
    writeFileSync(path.join(root, name), bytes);
    chmodSync(path.join(root, name), 0o755);
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('inspect and scan', () => {
  it('give the same kernel verdict and the same readability for each program', async () => {
    let stdout = '';
    await runCli(['inspect', '--json', ...Object.keys(programs).map((n) => path.join(root, n))], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
    });
    const inspected = (
      JSON.parse(stdout) as {
        files: { path: string; kernelExec: unknown; error: string | null }[];
      }
    ).files.map((f) => [path.basename(f.path), f.kernelExec, f.error !== null]);

    const report = await scan({ source: { kind: 'archive', path: root } });
    const { openImage } = await import('../../src/image/open.js');
    const { analyzeElf, parseElf } = await import('../../src/elf/index.js');
    const view = await openImage(
      { kind: 'archive', path: root },
      { analyzeElf, analyzeElfRanges: parseElf },
    );
    const scanned = Object.keys(programs).map((name) => {
      const file = view.files.get(`/${name}`);
      return [name, file?.kernelExec ?? null, file?.elfError !== null];
    });
    expect(inspected).toEqual(scanned);
    expect(inspected).toEqual([
      [
        'relocatable',
        { failure: 'ENOEXEC', reason: 'e_type 1 is neither ET_EXEC (2) nor ET_DYN (3)' },
        false,
      ],
      [
        'entry-zero',
        { failure: 'SIGSEGV', reason: 'the entry point 0x0 lies in no PT_LOAD segment' },
        false,
      ],
      ['bad-ei-data', null, true],
      ['good', null, false],
    ]);
    // A root folder has no entrypoint: nothing is started, so the unreadable one is a note.
    expect(
      report.findings.filter((f) => f.path === '/bad-ei-data').map((f) => [f.ruleId, f.level]),
    ).toEqual([['EG101', 'note']]);
  });
});
