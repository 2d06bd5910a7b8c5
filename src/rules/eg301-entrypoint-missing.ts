/**
 * EG301: the ENTRYPOINT/CMD executable is not in the image, resolved as runc does (a path from
 * the working directory, a bare name through the image's PATH); a note when there is none. A
 * dangling symlink is named as such: the link, its target, and where the target was expected.
 * The shell form (`CMD /app --flag`, run as `/bin/sh -c`) starts the shell, which then looks the
 * command word up itself: a word it cannot find is its own "not found" and exit 127.
 */
import path from 'node:path/posix';
import { blameEntrypoint, finding, type Rule, type RuleContext } from './context.js';
import { simulateExec } from '../exec/execve.js';
import { shellCommandWord, shellFormScript, shellNotFoundMessage } from '../exec/shell-form.js';
import type { Finding } from '../findings.js';
import { entrypointOutcome, lookPath, type FoundEntrypoint } from './support/entrypoint.js';
import { execOptions } from './support/exec.js';
import { checkExecutions, type ExecutionSpec } from './support/execution.js';

export const EG301: Rule = {
  id: 'EG301',
  name: 'entrypoint-missing',
  defaultLevel: 'error',
  shortDescription: 'ENTRYPOINT/CMD executable not found',
  fullDescription:
    "The executable of the image's ENTRYPOINT (or CMD when there is no ENTRYPOINT) does not exist in the image; a bare name is looked up in the PATH of the image's Env, or Docker's default PATH when the image sets none. In the shell form (`CMD app --flag`, run as `/bin/sh -c`), the command the shell runs first is looked up the same way: the shell then prints its own `not found` and exits 127.",
  runtimeError: 'exec: "/app": executable file not found in $PATH',
  why: [
    'The runtime resolves the first word of the command before starting the process. A typo, a',
    '`go build -o` output that lands elsewhere than the `COPY` expects, a `WORKDIR`-relative',
    'name, or a shell-form `CMD` on an image without `/bin/sh` makes the container fail to start',
    '(`OCI runtime create failed: ... exec: "app": executable file not found in $PATH`; for an',
    'absolute path, `stat /app: no such file or directory`).',
  ].join('\n'),
  fix: [
    'Point the entrypoint at the file the image contains, in exec form:',
    '',
    '```diff',
    ' COPY --from=build /out/app /usr/local/bin/app',
    '-ENTRYPOINT ["/app"]',
    '+ENTRYPOINT ["/usr/local/bin/app"]',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When every deployment overrides the entrypoint and command (a base image meant to be extended).',
  tags: ['reliability', 'entrypoint', 'container'],
  precision: 'high',
  confirmedBy: 'start',
  check(ctx) {
    return checkExecutions(
      ctx,
      () => 'entrypoint',
      (spec) => {
        const outcome = entrypointOutcome(ctx, spec);
        if (outcome.stage === 'none') {
          return [
            finding(
              'EG301',
              'note',
              null,
              'The image has no ENTRYPOINT or CMD: the command given at run time was not checked',
              ['image config: Entrypoint and Cmd are empty'],
              blameEntrypoint(ctx, false),
            ),
          ];
        }
        if (outcome.stage === 'starts') return shellFormCommandMissing(ctx, spec, outcome.entry);
        if (outcome.stage !== 'not-found') return [];
        const { entry, argvText } = outcome;
        const argv0 = entry.argv[0]!;
        const absolute = path.resolve('/', spec.workingDir || '/', argv0);
        // A symlink that is there but leads nowhere: name the link, its target and where it
        // was expected.
        const link =
          entry.searched
            .filter((candidate) => {
              const r = ctx.image.resolve(candidate, false);
              return r.found && r.file.type === 'symlink';
            })
            .map((candidate) => simulateExec(ctx.image, candidate, execOptions(ctx, spec)).failure)
            .find((f) => f?.kind === 'dangling-symlink' || f?.kind === 'symlink-loop') ?? null;
        const loop = argv0.includes('/') && link?.kind === 'symlink-loop';
        // A path that names a folder: runc's stat finds it, and execve refuses it with EACCES.
        const target = argv0.includes('/') ? ctx.image.resolve(absolute) : null;
        const folder = target !== null && target.found && target.file.type === 'dir';
        // runc's words (libcontainer): a path is stat'ed as written, a bare name looked up in PATH.
        const runtimeError = folder
          ? `exec: "${argv0}": permission denied`
          : argv0.includes('/')
            ? `exec: "${argv0}": stat ${argv0}: ${loop ? 'too many levels of symbolic links' : 'no such file or directory'}`
            : `exec: "${argv0}": executable file not found in $PATH`;
        const message = folder
          ? `The entrypoint ${argv0} is a folder, not a program`
          : link
            ? `The entrypoint ${argv0} ${argv0.includes('/') ? 'is' : 'is found in PATH as'} ${link.kind === 'symlink-loop' ? 'a symbolic link loop' : `a dangling symbolic link (${link.path})`}`
            : argv0.includes('/')
              ? `The entrypoint ${argv0} does not exist in the image`
              : `The entrypoint ${argv0} is not an executable file in any PATH directory of the image`;
        return [
          {
            runtimeError,
            ...finding(
              'EG301',
              EG301.defaultLevel,
              argv0.includes('/') ? absolute : null,
              message,
              [
                `command: ${argvText}`,
                argv0.includes('/')
                  ? `looked at ${entry.searched[0]}`
                  : `searched PATH: ${entry.searched.join(', ')}`,
                ...(link?.evidence ?? []),
              ],
              blameEntrypoint(ctx, false),
            ),
          },
        ];
      },
    );
  },
};

/**
 * The shell form's command word, when the script starts with a literal one the image lacks: the
 * shell that runc started prints its "not found" and exits 127 before the program could run.
 */
function shellFormCommandMissing(
  ctx: RuleContext,
  spec: ExecutionSpec,
  shell: FoundEntrypoint,
): Finding[] {
  const script = shellFormScript(shell.argv);
  const command = script === null ? null : shellCommandWord(script);
  if (command === null) return [];
  const { word } = command;
  const found = lookPath(ctx.image, word, spec);
  if (found.path !== null) return [];
  const resolvedShell = ctx.image.resolve(shell.path);
  const realShell = resolvedShell.found ? resolvedShell.path : shell.path;
  const absolute = word.includes('/') ? path.resolve('/', spec.workingDir || '/', word) : null;
  return [
    {
      runtimeError: shellNotFoundMessage(shell.argv[0]!, realShell, command),
      ...finding(
        'EG301',
        EG301.defaultLevel,
        absolute,
        word.includes('/')
          ? `The shell-form command runs ${word}, which does not exist in the image`
          : `The shell-form command runs ${word}, which is not an executable file in any PATH directory of the image`,
        [
          `command: ${JSON.stringify(shell.argv)} (shell form: ${shell.path} runs the script)`,
          word.includes('/')
            ? `looked at ${found.searched[0]}`
            : `searched PATH: ${found.searched.join(', ')}`,
          `${shell.path} is ${realShell}: it prints its own "not found" and exits 127`,
        ],
        blameEntrypoint(ctx, false),
      ),
    },
  ];
}
