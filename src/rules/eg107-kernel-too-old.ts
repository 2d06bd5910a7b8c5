/**
 * EG107: an ELF whose NT_GNU_ABI_TAG note asks for a newer Linux than the configured minimum
 * kernel of the nodes; unchecked when no minimum is configured.
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, type Rule } from './context.js';

/** Dotted version order: negative, zero or positive as `a` is older, equal or newer. */
function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

export const EG107: Rule = {
  id: 'EG107',
  name: 'kernel-too-old',
  defaultLevel: 'warning',
  shortDescription: 'ELF needs a newer kernel than the configured minimum',
  fullDescription:
    "The ELF's NT_GNU_ABI_TAG note declares a minimum Linux kernel version newer than the configured minimum kernel of the hosts the image runs on.",
  runtimeError: 'FATAL: kernel too old',
  why: [
    'glibc refuses to start on a kernel older than the one it was configured for and records that',
    'version in the `.note.ABI-tag` of the binaries it links statically and of its own libraries.',
    'On an older host (old LTS nodes, some managed runtimes) the process prints `FATAL: kernel too',
    'old` and is killed by SIGSEGV, exit status 139.',
  ].join('\n'),
  fix: [
    'Build against a C library that supports the oldest kernel you deploy to, or raise the',
    'configured minimum when your hosts are newer:',
    '',
    '```diff',
    '-FROM debian:trixie-slim AS build',
    '+FROM debian:bookworm-slim AS build',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When every host that runs the image has a kernel at least as new as the one the note asks for.',
  tags: ['reliability', 'kernel', 'container'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    if (ctx.kernelMinimum === null) return findings;
    for (const file of ctx.image.files.values()) {
      const tag = file.elf?.gnuAbiTagKernel;
      if (!tag || file.linkTarget !== null || compareVersions(tag, ctx.kernelMinimum) <= 0)
        continue;
      findings.push(
        finding(
          'EG107',
          EG107.defaultLevel,
          file.path,
          `${file.path} needs Linux ${tag} or newer; the configured minimum is ${ctx.kernelMinimum}`,
          [`NT_GNU_ABI_TAG: Linux ${tag}`],
          blameFile(ctx, file.path),
        ),
      );
    }
    return findings;
  },
};
