/**
 * EG303: the ENTRYPOINT/CMD is a script whose `#!` interpreter the kernel cannot run from the
 * image (missing, a dangling link, not executable, named with the `\r` of a CRLF file, nested
 * too deep), or a program `#!/usr/bin/env` does not find in PATH as env looks it up. The `#!`
 * line is read as the kernel reads it (src/exec/shebang.ts); a file that is neither ELF nor a
 * script is EG108's.
 */
import path from 'node:path/posix';
import type { ExecFailureKind } from '../exec/execve.js';
import type { Finding } from '../findings.js';
import { blameEntrypoint, blameFile, finding, type Rule, type RuleContext } from './context.js';
import { entrypointOutcome } from './support/entrypoint.js';
import { entrypointExec, placedInPathFailures } from './support/exec.js';
import { checkExecutions } from './support/execution.js';

export const EG303: Rule = {
  id: 'EG303',
  name: 'shebang-interpreter-missing',
  defaultLevel: 'error',
  shortDescription: "Script's #! interpreter missing from the image",
  fullDescription:
    "A script in the image (the entrypoint, or any executable script) starts with `#!` naming an interpreter that does not exist in the image, following the image's symlinks.",
  runtimeError: 'exec /app: no such file or directory',
  why: [
    'The kernel runs a script through the interpreter on its `#!` line. When that file is',
    'missing (`#!/bin/bash` on Alpine or distroless, `#!/usr/bin/env python3` without `env` or',
    'Python), `execve` returns `ENOENT` and the error names the script, which exists, so the',
    'message misleads. The kernel reads the `#!` line up to the first newline only, so a script',
    'saved with CRLF line endings looks for `/bin/sh\\r` and fails the same way. With',
    '`#!/usr/bin/env NAME`, env searches the PATH for everything after the interpreter as one name',
    "(`bash\\r` from a CRLF file, `bash -e` without `-S`) and exits 127: `/usr/bin/env: 'bash\\r':",
    'No such file or directory`.',
  ].join('\n'),
  fix: [
    'Use an interpreter the image has, or install it:',
    '',
    '```diff',
    ' FROM alpine:3.20',
    '-COPY entrypoint.sh /entrypoint.sh',
    '+RUN apk add --no-cache bash',
    '+COPY entrypoint.sh /entrypoint.sh',
    ' ENTRYPOINT ["/entrypoint.sh"]',
    '```',
    '',
    'or change the script to `#!/bin/sh` when it is POSIX shell. For CRLF line endings, convert',
    'the file (`sed -i "s/\\r$//" entrypoint.sh`, or `* text eol=lf` in `.gitattributes`); for',
    'options after `env NAME`, use `#!/usr/bin/env -S NAME -e`.',
  ].join('\n'),
  safeToIgnore:
    'When the script is never executed directly in this image (documentation, or always run as `sh script`).',
  tags: ['reliability', 'entrypoint', 'container'],
  precision: 'very-high',
  confirmedBy: 'start',
  check(ctx) {
    return [...entrypointFindings(ctx), ...placedInPath(ctx)];
  },
};

function entrypointFindings(ctx: RuleContext): Finding[] {
  return checkExecutions(
    ctx,
    () => 'entrypoint',
    (spec) => {
      const outcome = entrypointOutcome(ctx, spec);
      if (outcome.stage !== 'starts') return [];
      const failure = entrypointExec(ctx, spec)?.failure ?? null;
      if (failure === null || !INTERPRETER_FAILURES.has(failure.kind)) return [];
      // No execute bit on the entrypoint itself is EG302's; on an interpreter, it is this rule's.
      if (failure.kind === 'not-executable' && failure.path === outcome.entry.file.path) return [];
      const found = finding(
        'EG303',
        EG303.defaultLevel,
        outcome.entry.path,
        `The entrypoint ${outcome.entry.path} cannot start: ${lowerFirst(failure.message)}`,
        [`command: ${outcome.argvText}`, ...failure.evidence],
        blameEntrypoint(ctx, false),
      );
      return [failure.runtimeError ? { ...found, runtimeError: failure.runtimeError } : found];
    },
  );
}

/** Scripts the Dockerfile puts in PATH whose interpreter fails: a warning (run later by name). */
function placedInPath(ctx: RuleContext): Finding[] {
  return placedInPathFailures(ctx)
    .filter(({ failure }) => INTERPRETER_FAILURES.has(failure.kind))
    .filter(({ file, failure }) => failure.kind !== 'not-executable' || failure.path !== file.path)
    .map(({ file, failure }) => {
      const found = finding(
        'EG303',
        'warning',
        file.path,
        `${file.path} cannot run: ${lowerFirst(failure.message)}`,
        [`${path.dirname(file.path)} is in PATH: it runs when called by name`, ...failure.evidence],
        blameFile(ctx, file.path),
      );
      return failure.runtimeError ? { ...found, runtimeError: failure.runtimeError } : found;
    });
}

/** What goes wrong past the script itself: its interpreter, or the program env looks for. */
const INTERPRETER_FAILURES = new Set<ExecFailureKind>([
  'shebang-interpreter',
  'env-command-missing',
  'interpreter-depth',
  'dangling-symlink',
  'symlink-loop',
  'missing',
  'not-executable',
]);

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
