/**
 * The search path a loader was built with, read from the loader file, held against what the
 * loader itself says: `ld.so --help` of this machine's glibc prints its system directories and
 * glibc-hwcaps subdirectories; Debian's musl (installed by .ci/run) keeps musl's documented
 * default. A copy of the loader somewhere else keeps the same path.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { parseElfFile } from '../../src/elf/index.js';
import { glibcLayout } from '../../src/loader/search.js';
import { reportSkip } from '../support/skip.js';

const GLIBC_LOADER = '/lib64/ld-linux-x86-64.so.2';
const MUSL_LOADER = '/usr/lib/x86_64-linux-musl/libc.so';

/** The lines `ld.so --help` prints under one heading, up to the next blank line. */
function helpSection(help: string, heading: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.trim());
}

describe("the loader's compiled-in search path", () => {
  it('glibc: the system directories and hwcaps subdirectories ld.so --help prints', () => {
    if (!existsSync(GLIBC_LOADER)) {
      reportSkip('compiled-search-path glibc', `no ${GLIBC_LOADER} on this machine`);
      return;
    }
    const help = execFileSync(GLIBC_LOADER, ['--help'], { encoding: 'utf8' });
    const systemDirs = helpSection(help, 'Shared library search path:')
      .filter((l) => l.endsWith('(system search path)'))
      .map((l) => l.replace(/ \(system search path\)$/, ''));
    const hwcaps = helpSection(help, 'Subdirectories of glibc-hwcaps directories').map(
      (l) => l.split(' ')[0],
    );
    expect(systemDirs.length).toBeGreaterThan(0);
    const facts = parseElfFile(realpathSync(GLIBC_LOADER));
    expect(facts.loaderSearchPath).toEqual({ flavor: 'glibc', systemDirs, hwcapsSubdirs: hwcaps });
  });

  it('glibc: a loader that sits in /lib64 still searches what it was built with', () => {
    if (!existsSync(GLIBC_LOADER)) {
      reportSkip('compiled-search-path glibc', `no ${GLIBC_LOADER} on this machine`);
      return;
    }
    const facts = parseElfFile(realpathSync(GLIBC_LOADER));
    const layout = glibcLayout('/lib64/ld-linux-x86-64.so.2', facts);
    expect(layout.systemDirs).toEqual(facts.loaderSearchPath?.systemDirs);
    expect(layout.evidence).toBe('system directories compiled into /lib64/ld-linux-x86-64.so.2');
  });

  it("musl: the default path built into Debian's musl", () => {
    if (!existsSync(MUSL_LOADER)) {
      reportSkip('compiled-search-path musl', `no ${MUSL_LOADER} (Debian's musl) on this machine`);
      return;
    }
    const facts = parseElfFile(MUSL_LOADER);
    expect(facts.loaderSearchPath).toEqual({
      flavor: 'musl',
      systemDirs: ['/lib', '/usr/local/lib', '/usr/lib'],
      hwcapsSubdirs: [],
    });
  });

  it('an ordinary library has none', () => {
    const facts = parseElfFile(realpathSync('/lib/x86_64-linux-gnu/libc.so.6'));
    expect(facts.loaderSearchPath).toBeNull();
  });
});
