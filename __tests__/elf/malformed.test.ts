/**
 * Malformed ELF files give one ElfFormatError naming the structure and its file offset — never
 * a crash, a hang or a guessed fact. The corruptions are applied to real binaries; where the
 * structures sit comes from readelf, not from our reader.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { analyzeElf, ElfFormatError } from '../../src/elf/index.js';
import { InputError } from '../../src/errors.js';
import { reportSkip } from '../support/skip.js';
import { builtSample, elfSamples } from './samples.js';
import { withoutSectionHeaders } from './strip.js';

function readelf(path: string, ...args: string[]): string {
  return execFileSync('readelf', ['-W', ...args, path], { encoding: 'utf8' });
}
const num = (text: string, re: RegExp) => Number(re.exec(text)![1]);

/** Layout of a little-endian ELF64 sample as readelf reports it. */
function layout(path: string) {
  const header = readelf(path, '-h');
  const programs = readelf(path, '-l');
  const dynamic = readelf(path, '-d');
  const versions = readelf(path, '-V');
  return {
    phoff: num(header, /Start of program headers:\s+(\d+)/),
    phentsize: num(header, /Size of program headers:\s+(\d+)/),
    loads: [...programs.matchAll(/^\s+(\w+)\s+0x/gm)]
      .map((m, i) => ({ type: m[1]!, index: i }))
      .filter((p) => p.type === 'LOAD'),
    dynamicOffset: num(dynamic, /Dynamic section at offset (0x[0-9a-f]+)/),
    verneedOffset: /Version needs section[^\n]*\n\s+Addr:\s+\S+\s+Offset: (0x[0-9a-f]+)/.exec(
      versions,
    )?.[1],
    verdefOffset: /Version definition section[^\n]*\n\s+Addr:\s+\S+\s+Offset: (0x[0-9a-f]+)/.exec(
      versions,
    )?.[1],
  };
}

function parseError(bytes: Uint8Array): ElfFormatError {
  try {
    analyzeElf(bytes, 'sample');
  } catch (error) {
    expect(error).toBeInstanceOf(ElfFormatError);
    expect(error).toBeInstanceOf(InputError);
    return error as ElfFormatError;
  }
  throw new Error('parsed without error');
}

const hex = (n: number) => `0x${n.toString(16)}`;

function samplesPresent(what: string): boolean {
  if (elfSamples() === null) {
    reportSkip(what, 'run scripts/ci-fixtures/20-elf-samples.sh first');
    return false;
  }
  return true;
}

describe('malformed ELF input', () => {
  const dynamicC = builtSample('c-glibc-dynamic');

  it('rejects an empty file and garbage at offset 0', () => {
    expect(parseError(new Uint8Array(0)).message).toBe(
      'sample: bad ELF header at offset 0x0: file is 0 bytes, too short for an ELF identification',
    );
    let seed = 7;
    const garbage = Uint8Array.from(
      { length: 4096 },
      () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24,
    );
    expect(parseError(garbage).message).toBe(
      'sample: bad ELF header at offset 0x0: not an ELF file (no \\x7fELF magic)',
    );
    const badClass = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 9, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseError(badClass).message).toBe(
      'sample: bad ELF header at offset 0x4: unknown EI_CLASS 9',
    );
  });

  it('names the structure cut off by truncation', () => {
    if (!samplesPresent('truncation tests')) return;
    const bytes = readFileSync(dynamicC);
    const { phoff } = layout(dynamicC);
    expect(parseError(bytes.subarray(0, 40)).message).toBe(
      'sample: bad ELF header at offset 0x0: 64 bytes needed but the file ends at 0x28',
    );
    const cutInTable = parseError(bytes.subarray(0, phoff + 10));
    expect(cutInTable.offset).toBe(phoff);
    expect(cutInTable.message).toMatch(
      /^sample: bad program header table at offset 0x40: \d+ bytes needed but the file ends at 0x4a$/,
    );
    const half = parseError(bytes.subarray(0, bytes.length >> 1));
    expect(half.message).toMatch(
      /^sample: bad program header at offset 0x[0-9a-f]+: segment \d+ \(file range .*\) runs past the end of the file/,
    );
  });

  it('rejects counts and offsets past the end of the file', () => {
    if (!samplesPresent('count/offset tests')) return;
    const bytes = Uint8Array.from(readFileSync(dynamicC));
    const view = new DataView(bytes.buffer);
    const { phoff, dynamicOffset } = layout(dynamicC);

    const manyPrograms = Uint8Array.from(bytes);
    new DataView(manyPrograms.buffer).setUint16(56, 0xfff0, true);
    expect(parseError(manyPrograms).message).toMatch(
      new RegExp(
        `^sample: bad program header table at offset ${hex(phoff)}: ${0xfff0 * 56} bytes needed`,
      ),
    );

    const farPrograms = Uint8Array.from(bytes);
    new DataView(farPrograms.buffer).setBigUint64(32, BigInt(bytes.length + 100), true);
    expect(parseError(farPrograms).offset).toBe(bytes.length + 100);

    // DT_NEEDED pointing far outside the dynamic string table.
    const badName = Uint8Array.from(bytes);
    const badView = new DataView(badName.buffer);
    let at = dynamicOffset;
    while (view.getBigUint64(at, true) !== 1n) at += 16;
    badView.setBigUint64(at + 8, 0x7fffffffn, true);
    expect(parseError(badName).message).toMatch(
      /^sample: bad dynamic string table \(DT_STRTAB\) at offset 0x[0-9a-f]+: string index 2147483647 is outside the dynamic string table/,
    );
  });

  it('rejects cycles in the version need and version definition chains', () => {
    if (!samplesPresent('version chain tests')) return;
    const bytes = Uint8Array.from(readFileSync(dynamicC));
    const verneed = Number(layout(dynamicC).verneedOffset);
    // Second Vernaux of the first Verneed points back to the first (32-bit wrap-around).
    const cyclic = Uint8Array.from(bytes);
    const v = new DataView(cyclic.buffer);
    const firstAux = verneed + v.getUint32(verneed + 8, true);
    const secondAux = firstAux + v.getUint32(firstAux + 12, true);
    v.setUint32(secondAux + 12, 2 ** 32 - (secondAux - firstAux), true);
    v.setUint16(verneed + 2, 10, true); // vn_cnt: more entries than the chain holds, so it is walked round
    const auxError = parseError(cyclic);
    expect(auxError.offset).toBe(firstAux);
    expect(auxError.message).toMatch(/Vernaux chain loops back to an earlier entry$/);

    const libz = elfSamples()!.find((f) => /zlib1g_.*_amd64\/.*libz\.so\.1\.[\d.]+$/.test(f))!;
    const z = Uint8Array.from(readFileSync(libz));
    const verdef = Number(layout(libz).verdefOffset);
    const zv = new DataView(z.buffer);
    const second = verdef + zv.getUint32(verdef + 16, true);
    zv.setUint32(second + 16, 2 ** 32 - (second - verdef), true);
    const defError = parseError(z);
    expect(defError.offset).toBe(verdef);
    expect(defError.message).toMatch(/Verdef chain loops back to an earlier entry$/);
  });

  it('rejects overlapping PT_LOAD segments', () => {
    if (!samplesPresent('overlap test')) return;
    const bytes = Uint8Array.from(readFileSync(dynamicC));
    const { phoff, phentsize, loads } = layout(dynamicC);
    const view = new DataView(bytes.buffer);
    const first = phoff + loads[0]!.index * phentsize;
    const second = phoff + loads[1]!.index * phentsize;
    view.setBigUint64(second + 16, view.getBigUint64(first + 16, true), true);
    const error = parseError(bytes);
    expect(error.offset).toBe(second);
    expect(error.message).toMatch(
      /PT_LOAD segment \d+ \(vaddr 0x0\) overlaps or precedes segment \d+/,
    );
  });

  it('rejects a symbol count from the hash table that the file cannot hold (no section headers)', () => {
    if (!samplesPresent('hash count test')) return;
    const bytes = withoutSectionHeaders(readFileSync(dynamicC));
    const { dynamicOffset } = layout(dynamicC);
    const view = new DataView(bytes.buffer);
    let at = dynamicOffset;
    while (view.getBigUint64(at, true) !== 0x6ffffef5n) at += 16; // DT_GNU_HASH
    const gnuHashVaddr = Number(view.getBigUint64(at + 8, true));
    // In this PIE the first PT_LOAD maps offset 0 at vaddr 0, where .gnu.hash lives.
    expect(existsSync(dynamicC)).toBe(true);
    view.setUint32(gnuHashVaddr + 8, 0x10000000, true); // bloom size
    expect(parseError(bytes).message).toMatch(
      /^sample: bad DT_GNU_HASH table at offset 0x[0-9a-f]+: DT_GNU_HASH bloom\/buckets run past their segment$/,
    );
  });
});
