/**
 * EG106: an executable ELF of another architecture than the image's platform (a 32-bit one the
 * 64-bit kernel also runs excepted), and a program whose interpreter is for another architecture.
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, isExecutableFile, type Rule } from './context.js';
import { executability } from '../exec/compat.js';
import { goSetting, imageArchitecture } from './facts.js';
import { interpretedPrograms, isStartable, NOT_STARTED } from './support/loads.js';

export const EG106: Rule = {
  id: 'EG106',
  name: 'architecture-mismatch',
  defaultLevel: 'error',
  shortDescription: 'ELF architecture differs from the image platform',
  fullDescription:
    "The ELF's machine (e_machine), class (32/64-bit) or byte order differs from the architecture in the image config, so the kernel of a host of that platform cannot run it.",
  runtimeError: 'exec /app: exec format error',
  why: [
    'An image labelled `linux/arm64` that contains an x86-64 executable (or the reverse) fails',
    'with `ENOEXEC` on the hosts it is pulled on. It often passes in CI: hosts with `binfmt_misc`',
    'and QEMU run foreign executables through emulation, so the mismatch only shows on the real',
    'nodes. Typical causes: `GOARCH` not set from `TARGETARCH` in a cross-compiling stage, a',
    '`TARGETARCH` ARG declared outside the stage that uses it, a default `ARG TARGETARCH=amd64`,',
    'or a prebuilt binary downloaded for the wrong architecture. Not every difference fails: an',
    'amd64 kernel runs 32-bit x86 programs (IA32 emulation; they still need their own loader and',
    '32-bit libraries when dynamic), while an arm64 kernel runs 32-bit arm programs only on CPUs',
    'with AArch32 (Graviton2, Ampere Altra; not Graviton3/4 or Ampere One): a warning.',
  ].join('\n'),
  fix: [
    'Build for the target platform explicitly:',
    '',
    '```diff',
    ' FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
    '+ARG TARGETOS TARGETARCH',
    ' WORKDIR /src',
    ' COPY . .',
    '-RUN CGO_ENABLED=0 go build -o /out/app .',
    '+RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When the file is deliberately foreign (firmware, a cross tool for another machine, a binary run under an emulator the image ships) and never executed directly.',
  tags: ['reliability', 'architecture', 'container'],
  precision: 'very-high',
  confirmedBy: 'load',
  check(ctx) {
    const findings: Finding[] = [];
    const arch = imageArchitecture(ctx.image.config);
    for (const file of ctx.image.files.values()) {
      const elf = file.elf;
      if (file.type !== 'file' || !elf || file.linkTarget !== null || !isExecutableFile(file.mode))
        continue;
      if (
        elf.linkage === 'shared-library' ||
        elf.linkage === 'relocatable' ||
        elf.linkage === 'other'
      )
        continue;
      const runs = executability(elf, arch.goarch);
      if (runs.runs === 'depends') {
        findings.push(
          finding(
            'EG106',
            'warning',
            file.path,
            `${file.path} is a ${elf.machine} program in a ${arch.platform} image: it runs only on some ${arch.goarch} nodes`,
            [runs.depends, `ELF e_machine ${elf.eMachine} (${elf.machine}), ${elf.class}-bit`],
            blameFile(ctx, file.path),
          ),
        );
      } else if (runs.runs === 'no') {
        // A foreign program nothing starts (test data of a toolchain, say) breaks nothing yet.
        findings.push(
          finding(
            'EG106',
            isStartable(ctx, file.path) ? 'error' : 'warning',
            file.path,
            `${file.path} is a ${elf.machine} program (${elf.class}-bit ${elf.endianness}-endian) in a ${arch.platform} image`,
            [
              `ELF e_machine ${elf.eMachine} (${elf.machine}${elf.goarch ? `, GOARCH ${elf.goarch}` : ''}); image platform ${arch.platform}`,
              ...(elf.go
                ? [`Go build info: GOARCH=${goSetting(elf, 'GOARCH') ?? '(not recorded)'}`]
                : []),
              'a node with binfmt_misc and qemu-user may still run it, emulated; a plain node cannot',
              ...(isStartable(ctx, file.path) ? [] : [NOT_STARTED]),
            ],
            blameFile(ctx, file.path),
          ),
        );
      }
    }

    for (const { sim, interp } of interpretedPrograms(ctx)) {
      if (interp.status !== 'incompatible') continue;
      findings.push(
        finding(
          'EG106',
          'error',
          sim.path,
          `The interpreter of ${sim.path} is for another architecture`,
          [`PT_INTERP ${interp.requested}`, interp.detail ?? ''],
          blameFile(ctx, sim.path),
        ),
      );
    }
    return findings;
  },
};
