import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  acceptedCacheFlags,
  lookupLdSoCache,
  parseLdSoCache,
} from '../../src/loader/ld-so-cache.js';
import { InputError } from '../../src/errors.js';
import { reportSkip } from '../support/skip.js';

/** `ldconfig -p` (glibc's own reader) as the truth: name and path of each entry, in order. */
function ldconfigPrint(cacheFile: string): { key: string; path: string }[] {
  const out = execFileSync('ldconfig', ['-p', '-C', cacheFile], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.startsWith('\t'))
    .map((line) => {
      const match = /^\t(\S+) \(([^)]*)\)(?: OS ABI: [^=]*)? => (.+)$/.exec(line);
      if (!match) throw new Error(`unexpected ldconfig -p line: ${line}`);
      return { key: match[1], path: match[3] };
    });
}

const haveLdconfig = existsSync('/sbin/ldconfig') || existsSync('/usr/sbin/ldconfig');

describe('reading /etc/ld.so.cache', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'ld-so-cache-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const format of ['new', 'old', 'compat'] as const) {
    it(`reads the ${format} format ldconfig writes, entry for entry as ldconfig -p prints it`, () => {
      if (!haveLdconfig || process.getuid?.() !== 0) {
        reportSkip(`ld.so.cache ${format} format`, 'needs ldconfig and root');
        return;
      }
      const cacheFile = path.join(work, `${format}.cache`);
      execFileSync('ldconfig', ['-c', format, '-C', cacheFile]);
      const cache = parseLdSoCache(readFileSync(cacheFile), cacheFile);
      expect(cache.format).toBe(format);
      const truth = ldconfigPrint(cacheFile);
      expect(truth.length).toBeGreaterThan(20);
      expect(cache.entries.map((e) => ({ key: e.key, path: e.path }))).toEqual(truth);
      if (format !== 'old') expect(cache.generator).toMatch(/^ldconfig \(.*GLIBC 2\.\d+/);
    });
  }

  it('finds libc.so.6 for x86-64 objects and nothing for aarch64 ones', () => {
    const cache = parseLdSoCache(readFileSync('/etc/ld.so.cache'), '/etc/ld.so.cache');
    const truth = ldconfigPrint('/etc/ld.so.cache').find((e) => e.key === 'libc.so.6');
    expect(lookupLdSoCache(cache, 'libc.so.6', acceptedCacheFlags(62, 64, 0))).toBe(truth?.path);
    expect(lookupLdSoCache(cache, 'libc.so.6', acceptedCacheFlags(183, 64, 0))).toBeNull();
  });

  it('rejects a file that is not a cache with the offset', () => {
    expect(() =>
      parseLdSoCache(Buffer.from('hello world, not a cache'), '/etc/ld.so.cache'),
    ).toThrow(new InputError('/etc/ld.so.cache: not an ld.so.cache (unknown magic) at offset 0x0'));
    const truncated = readFileSync('/etc/ld.so.cache').subarray(0, 100);
    expect(() => parseLdSoCache(truncated, '/etc/ld.so.cache')).toThrow(
      /runs past the end at offset 0x14/,
    );
  });
});
