/**
 * EG108: a file the image starts that is neither an ELF program nor a `#!` script (a Mach-O or
 * PE binary built on a laptop, a script whose `#!` is not at byte 0 or follows a byte order
 * mark, an empty or text file), or a `#!` line the kernel refuses (no interpreter name, a name
 * cut by the kernel's 256-byte buffer): execve fails with ENOEXEC, `exec format error`.
 * Blamed on the COPY/ADD (or RUN) that placed the file.
 */
import path from 'node:path/posix';
import type { Finding } from '../findings.js';
import type { ExecFailureKind } from '../exec/execve.js';
import { blameFile, finding, type Rule, type RuleContext } from './context.js';
import { entrypointExec, placedInPathFailures } from './support/exec.js';
import { checkExecutions } from './support/execution.js';

const NOT_A_PROGRAM = new Set<ExecFailureKind>(['not-a-program', 'bad-shebang']);

export const EG108: Rule = {
  id: 'EG108',
  name: 'not-a-program',
  defaultLevel: 'error',
  shortDescription: 'Started file is neither an ELF program nor a #! script',
  fullDescription:
    'A file the image starts (the entrypoint, or a #! interpreter of it) is neither an ELF program nor a script starting with #! at its first byte, or its #! line is one the kernel refuses; an executable file the Dockerfile puts in a PATH directory is reported as a warning.',
  runtimeError: 'exec /app: exec format error',
  why: [
    'Linux executes two kinds of files: ELF programs and scripts whose first two bytes are `#!`',
    '(fs/binfmt_elf.c, fs/binfmt_script.c). Anything else makes `execve` fail with `ENOEXEC`,',
    'which runc reports as `exec /app: exec format error` — the same words as for a program of',
    'another architecture, so people look in the wrong place. Usual causes: a binary built on',
    'macOS (Mach-O) or Windows (PE) copied into the image, a script with a UTF-8 byte order mark',
    'or a blank line before `#!`, a shell script with no `#!` line at all (a shell would run it,',
    'the kernel does not), an empty file, and a `#!` line whose interpreter path does not end',
    "within the kernel's 256-byte buffer.",
  ].join('\n'),
  fix: [
    'Build the program for Linux inside the Dockerfile, or give the script a `#!` line at its very',
    'first byte:',
    '',
    '```diff',
    '-echo "starting"',
    '+#!/bin/sh',
    '+echo "starting"',
    '```',
  ].join('\n'),
  safeToIgnore: 'When the file is never executed (data that only happens to have an execute bit).',
  tags: ['reliability', 'entrypoint', 'container'],
  precision: 'very-high',
  confirmedBy: 'load',
  check(ctx) {
    const reported = new Set<string>();
    const started = checkExecutions(
      ctx,
      () => 'entrypoint',
      (spec) => {
        const failure = entrypointExec(ctx, spec)?.failure ?? null;
        if (!failure || !NOT_A_PROGRAM.has(failure.kind)) return [];
        reported.add(failure.path);
        const found = finding(
          'EG108',
          EG108.defaultLevel,
          failure.path,
          failure.message,
          [`command: ${JSON.stringify(spec.argv)}`, ...failure.evidence],
          blameFile(ctx, failure.path),
        );
        return [failure.runtimeError ? { ...found, runtimeError: failure.runtimeError } : found];
      },
    );
    return [...started, ...placedInPath(ctx, reported)];
  },
};

/** Executable files the Dockerfile puts in a PATH directory that the kernel would refuse. */
function placedInPath(ctx: RuleContext, reported: Set<string>): Finding[] {
  return placedInPathFailures(ctx)
    .filter(({ file, failure }) => !reported.has(file.path) && NOT_A_PROGRAM.has(failure.kind))
    .map(({ file, failure }) =>
      finding(
        'EG108',
        'warning',
        file.path,
        failure.message,
        [
          `${path.dirname(file.path)} is in PATH: running ${path.basename(file.path)} by name fails with exec format error`,
        ],
        blameFile(ctx, file.path),
      ),
    );
}
