/**
 * The x86-64 microarchitecture level a program needs (x86-64 psABI levels: v1 baseline, v2
 * SSE4.2/POPCNT, v3 AVX2/BMI2/FMA, v4 AVX-512), from what decides it at run time:
 * - Go's `GOAMD64` build setting (recorded in the build info since Go 1.18): the runtime checks
 *   the CPU before main and prints `This program can only be run on AMD64 processors with v3
 *   microarchitecture support.` (runtime/asm_amd64.s), exit status 1.
 * - The GNU property note `GNU_PROPERTY_X86_ISA_1_NEEDED` (binutils 2.36+, `-march=x86-64-v3`
 *   with `-mneeded`): glibc's loader (2.33+, sysdeps/x86/dl-prop.h) refuses the program with
 *   `CPU ISA level is lower than required`.
 */
import type { ElfFacts } from '../elf/types.js';

export type X86Level = 1 | 2 | 3 | 4;

export const X86_LEVEL_NAMES = ['x86-64-v1', 'x86-64-v2', 'x86-64-v3', 'x86-64-v4'] as const;
export type X86LevelName = (typeof X86_LEVEL_NAMES)[number];

/**
 * The default minimum: x86-64-v2. Every x86 instance type the large clouds sell today has
 * SSE4.2 and POPCNT (v2, since Nehalem, 2008), and RHEL 9 requires it; v3 (AVX2) is missing on
 * some (older Atom-class and low-end instances, QEMU's default `qemu64` CPU model is v1 only).
 */
export const DEFAULT_X86_LEVEL: X86LevelName = 'x86-64-v2';

export function parseX86Level(name: string): X86Level | null {
  const i = X86_LEVEL_NAMES.indexOf(name as X86LevelName);
  return i === -1 ? null : ((i + 1) as X86Level);
}

export interface LevelNeed {
  level: X86Level;
  /** Where the need is recorded, e.g. `Go build info: GOAMD64=v3`. */
  evidence: string;
  /** What the program prints on an older CPU. */
  runtimeError: string;
  /** Who checks: the Go runtime or glibc's loader. */
  checkedBy: 'go-runtime' | 'glibc-loader';
}

/** The x86-64 level the program requires, or null when it records none above v1. */
export function x86LevelNeed(elf: ElfFacts, path: string): LevelNeed | null {
  if (elf.eMachine !== 62 || elf.class !== 64) return null;
  const goamd64 = elf.go?.settings.find((s) => s.key === 'GOAMD64')?.value ?? null;
  const goLevel = goamd64 !== null && /^v[1-4]$/.test(goamd64) ? Number(goamd64.slice(1)) : null;
  if (goLevel !== null && goLevel > 1) {
    return {
      level: goLevel as X86Level,
      evidence: `Go build info: GOAMD64=${goamd64}`,
      runtimeError: `This program can only be run on AMD64 processors with v${goLevel} microarchitecture support.`,
      checkedBy: 'go-runtime',
    };
  }
  const needed = elf.x86IsaNeeded;
  if (needed !== null && needed > 1 && elf.interpreter !== null) {
    // The highest level bit set (GNU_PROPERTY_X86_ISA_1_V2 = 2, V3 = 4, V4 = 8).
    const level = (needed & 8 ? 4 : needed & 4 ? 3 : needed & 2 ? 2 : 1) as X86Level;
    if (level > 1)
      return {
        level,
        evidence: `GNU property note: X86_ISA_1_NEEDED ${X86_LEVEL_NAMES[level - 1]}`,
        runtimeError: `${path}: CPU ISA level is lower than required`,
        checkedBy: 'glibc-loader',
      };
  }
  return null;
}
