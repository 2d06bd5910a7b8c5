/**
 * EG111: an x86-64 program or library that needs a newer microarchitecture level than the
 * configured minimum of the nodes (x86-64-v2 by default): Go's GOAMD64 from the build info, the
 * GNU property X86_ISA_1_NEEDED that glibc's loader enforces (src/exec/cpu-level.ts).
 */
import type { Finding } from '../findings.js';
import { X86_LEVEL_NAMES, x86LevelNeed } from '../exec/cpu-level.js';
import { blameFile, finding, type Rule } from './context.js';

export const EG111: Rule = {
  id: 'EG111',
  name: 'x86-64-level-too-high',
  defaultLevel: 'warning',
  shortDescription: 'Program needs a newer x86-64 level than the nodes are known to have',
  fullDescription:
    'An x86-64 ELF file requires a microarchitecture level (x86-64-v2, v3 or v4) above the configured minimum of the nodes (config `nodes.x86-64-level`, action input `x86-64-level`, CLI `--x86-64-level`; default x86-64-v2): Go programs built with GOAMD64=v3 or v4, and objects whose GNU property note sets X86_ISA_1_NEEDED.',
  runtimeError:
    'This program can only be run on AMD64 processors with v3 microarchitecture support.',
  why: [
    'x86-64 CPUs come in levels: v2 adds SSE4.2 and POPCNT, v3 AVX2, BMI2 and FMA, v4 AVX-512. A',
    'Go program built with `GOAMD64=v3` checks the CPU before `main` and exits with `This program',
    'can only be run on AMD64 processors with v3 microarchitecture support.`; a program or library',
    "linked with `-z x86-64-v3` carries an X86_ISA_1_NEEDED note and glibc's loader (2.33+) refuses",
    'it with `CPU ISA level is lower than required` (exit 127). The image runs on the build',
    "machine and fails on older nodes, some VM types, and QEMU's default CPU model.",
  ].join('\n'),
  fix: [
    'Build for the oldest CPU level your nodes have, or raise the configured minimum when every',
    'node is newer:',
    '',
    '```diff',
    '-RUN GOAMD64=v3 go build -o /out/app .',
    '+RUN GOAMD64=v2 go build -o /out/app .',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When every node that runs the image has a CPU of that level: then set `nodes.x86-64-level` (or the `x86-64-level` input) to it.',
  tags: ['reliability', 'cpu', 'container'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    const minimum = ctx.x86LevelMinimum;
    if (ctx.image.config.architecture !== 'amd64' && ctx.image.config.architecture !== '')
      return findings;
    for (const file of ctx.image.files.values()) {
      if (file.type !== 'file' || file.elf === null || file.linkTarget !== null) continue;
      const need = x86LevelNeed(file.elf, file.path);
      if (need === null || need.level <= minimum) continue;
      const level = X86_LEVEL_NAMES[need.level - 1];
      const found = finding(
        'EG111',
        EG111.defaultLevel,
        file.path,
        `${file.path} needs an ${level} CPU; the nodes are only known to be ${X86_LEVEL_NAMES[minimum - 1]}`,
        [
          need.evidence,
          need.checkedBy === 'go-runtime'
            ? 'the Go runtime checks the CPU before main and exits with status 1'
            : "glibc's loader checks it before the program (or library) runs",
        ],
        blameFile(ctx, file.path),
      );
      findings.push({ ...found, runtimeError: need.runtimeError });
    }
    return findings;
  },
};
