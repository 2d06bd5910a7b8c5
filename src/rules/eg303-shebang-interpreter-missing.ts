/**
 * EG303: the ENTRYPOINT/CMD is a script whose `#!` interpreter the kernel cannot run from the
 * image (missing, not executable, or a program `#!/usr/bin/env` does not find in PATH), or a
 * file that is neither ELF nor a script.
 */
import path from 'node:path/posix';
import type { Finding } from '../findings.js';
import type { ImageFile } from '../image/types.js';
import {
  blameEntrypoint,
  finding,
  isExecutableFile,
  type Rule,
  type RuleContext,
} from './context.js';
import { entrypointOutcome, lookPath, modeString } from './support/entrypoint.js';

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
    'message misleads. A script saved with CRLF line endings looks for `/bin/sh\\r` and fails the',
    'same way.',
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
    'or change the script to `#!/bin/sh` when it is POSIX shell.',
  ].join('\n'),
  safeToIgnore:
    'When the script is never executed directly in this image (documentation, or always run as `sh script`).',
  tags: ['reliability', 'entrypoint', 'container'],
  precision: 'very-high',
  check(ctx) {
    const outcome = entrypointOutcome(ctx);
    if (outcome.stage !== 'starts' || outcome.entry.file.elf !== null) return [];
    return checkScript(ctx, outcome.entry.path, outcome.entry.file, outcome.argvText);
  },
};

function checkScript(
  ctx: RuleContext,
  scriptPath: string,
  file: ImageFile,
  argvText: string,
): Finding[] {
  const view = ctx.image;
  const blame = blameEntrypoint(ctx, false);
  if (file.shebang === null) {
    if (file.elfError) return []; // an unreadable ELF: the ELF rules say what is wrong with it
    return [
      finding(
        'EG303',
        EG303.defaultLevel,
        scriptPath,
        `The entrypoint ${scriptPath} is neither an ELF program nor a #! script`,
        [`command: ${argvText}`, 'the kernel refuses it: exec format error'],
        blame,
      ),
    ];
  }
  const words = file.shebang.trim().split(/\s+/);
  const interpreter = words[0] ?? '';
  const interpreterPath = path.resolve('/', view.config.workingDir || '/', interpreter);
  const resolved = view.resolve(interpreterPath);
  const evidence = [`${scriptPath} starts with #!${file.shebang}`, `command: ${argvText}`];
  if (!resolved.found || resolved.file.type !== 'file') {
    return [
      finding(
        'EG303',
        EG303.defaultLevel,
        scriptPath,
        `The interpreter ${interpreter} of the entrypoint script ${scriptPath} is not in the image`,
        [...evidence, `${interpreterPath} does not exist`],
        blame,
      ),
    ];
  }
  if (!isExecutableFile(resolved.file.mode)) {
    return [
      finding(
        'EG303',
        EG303.defaultLevel,
        scriptPath,
        `The interpreter ${interpreter} of the entrypoint script ${scriptPath} is not executable`,
        [...evidence, `${resolved.path}: ${modeString(resolved.file)}`],
        blame,
      ),
    ];
  }
  // `#!/usr/bin/env prog`: env looks prog up in PATH at run time.
  if (path.basename(interpreter) === 'env' && words.length > 1) {
    const program = words.slice(1).find((w) => !w.startsWith('-'));
    if (program !== undefined) {
      const found = lookPath(view, program);
      if (found.path === null) {
        // BusyBox's env and GNU coreutils' env word the failure differently.
        const busybox = path.basename(resolved.path) === 'busybox';
        const runtimeError = busybox
          ? `env: can't execute '${program}': No such file or directory`
          : `${interpreter}: '${program}': No such file or directory`;
        return [
          {
            ...finding(
              'EG303',
              EG303.defaultLevel,
              scriptPath,
              `${program}, which the entrypoint script ${scriptPath} runs through env, is not in the image's PATH`,
              [...evidence, `searched PATH: ${found.searched.join(', ')}`],
              blame,
            ),
            runtimeError,
          },
        ];
      }
    }
  }
  return [];
}
