/**
 * Seeded, reproducible fuzzing of the ELF reader with mutated real binaries: whatever the bytes,
 * parsing either returns facts or throws ElfFormatError, and no input takes a second.
 * Reproduce one input with FUZZ_SEED and the printed input number.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { analyzeElf, ElfFormatError } from '../../src/elf/index.js';
import { reportSkip } from '../support/skip.js';
import { elfSamples } from './samples.js';
import { withoutSectionHeaders } from './strip.js';

const INPUTS = Number(process.env.FUZZ_INPUTS ?? 25_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x139);

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Real files covering both classes, both byte orders, Go (inline and pointer build info), C, static and dynamic. */
const BASES: RegExp[] = [
  /go-built\/c-glibc-dynamic$/,
  /go-built\/c-musl-static$/,
  /go-built\/nocgo-mips$/,
  /go-built\/nocgo-arm-v7$/,
  /go-built\/cgo-musl$/,
  /zlib1g_.*_s390x\/.*libz\.so\.1\.[\d.]+$/,
  /zlib1g_.*_armhf\/.*libz\.so\.1\.[\d.]+$/,
  /coreutils_.*_i386\/bin\/ls$/,
  /coreutils_.*_mips64el\/bin\/ls$/,
  /libc6_.*_ppc64el\/.*\/ld64\.so\.2$/,
  /containerd_.*\/usr\/bin\/containerd-shim$/,
];

describe('fuzzing the ELF reader', () => {
  it(`survives ${INPUTS} mutated real binaries with only ElfFormatError, each under 1 s`, () => {
    const samples = elfSamples();
    if (!samples) {
      reportSkip('ELF fuzz test', 'run scripts/ci-fixtures/20-elf-samples.sh first');
      return;
    }
    const bases = BASES.map((re) => {
      const path = samples.find((f) => re.test(f));
      if (!path) throw new Error(`no sample matches ${re}`);
      const bytes = Uint8Array.from(readFileSync(path));
      // Half the inputs start without section headers, so the DT_*/scan paths get fuzzed too.
      return { path, variants: [bytes, withoutSectionHeaders(bytes)] };
    });
    const random = prng(SEED);
    const int = (n: number) => Math.floor(random() * n);
    const crashes: string[] = [];
    let parsed = 0;
    let rejected = 0;
    let maxMs = 0;
    let maxInput = -1;
    let maxBase = '';
    for (let input = 0; input < INPUTS; input++) {
      const base = bases[int(bases.length)]!;
      const original = base.variants[int(2)]!;
      const bytes = original; // mutated in place, restored below
      const saved: [number, number][] = [];
      const poke = (at: number, value: number) => {
        if (at < 0 || at >= bytes.length) return;
        saved.push([at, bytes[at]!]);
        bytes[at] = value & 0xff;
      };
      const mutations = 1 + int(8);
      for (let m = 0; m < mutations; m++) {
        // Most structure lives in the first pages; aim there more often than at random.
        const region = random();
        const at =
          region < 0.5
            ? int(Math.min(512, bytes.length))
            : region < 0.8
              ? int(Math.min(65536, bytes.length))
              : int(bytes.length);
        const kind = int(4);
        if (kind === 0) poke(at, int(256));
        else if (kind === 1) poke(at, 0xff);
        else if (kind === 2) for (let k = 0; k < 4; k++) poke(at + k, int(256));
        else for (let k = 0; k < 4; k++) poke(at + k, k === 3 ? 0x7f : 0xff);
      }
      const length = random() < 0.1 ? int(bytes.length) : bytes.length;
      const attempt = (): number => {
        const start = performance.now();
        try {
          analyzeElf(bytes.subarray(0, length), base.path);
          return performance.now() - start;
        } catch (error) {
          if (!(error instanceof ElfFormatError)) throw error;
          return -(performance.now() - start);
        }
      };
      let ms: number;
      try {
        const first = attempt();
        if (first >= 0) parsed++;
        else rejected++;
        ms = Math.abs(first);
        // The machine is shared: a slow input is timed again, and its faster run counts.
        if (ms > 250) ms = Math.min(ms, Math.abs(attempt()));
      } catch (error) {
        crashes.push(
          `input ${input} (${base.path}): ${error instanceof Error ? error.stack : String(error)}`,
        );
        ms = 0;
      }
      if (ms > maxMs) {
        maxMs = ms;
        maxInput = input;
        maxBase = base.path;
      }
      for (let k = saved.length - 1; k >= 0; k--) bytes[saved[k]![0]] = saved[k]![1];
    }
    process.stdout.write(
      `ELF fuzz (seed ${SEED}): ${INPUTS} inputs, ${parsed} parsed, ${rejected} ElfFormatError, ${crashes.length} other; slowest input ${maxInput} (${maxBase}) took ${maxMs.toFixed(1)} ms\n`,
    );
    expect(crashes.slice(0, 5)).toEqual([]);
    expect(maxMs).toBeLessThan(1000);
    expect(parsed + rejected).toBe(INPUTS);
  }, 600_000);
});
