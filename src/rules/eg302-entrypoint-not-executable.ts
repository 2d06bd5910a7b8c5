/**
 * EG302: the image USER cannot execute the ENTRYPOINT/CMD executable: the file's mode and owner
 * deny it, or a directory on the way is not searchable, as runc and the kernel decide. (A USER
 * name the image does not define stops the engine before this: EG404.)
 */
import { blameEntrypoint, finding, type Rule } from './context.js';
import { entrypointOutcome, modeString } from './support/entrypoint.js';
import { checkExecutions } from './support/execution.js';

export const EG302: Rule = {
  id: 'EG302',
  name: 'entrypoint-not-executable',
  defaultLevel: 'error',
  shortDescription: 'Entrypoint not executable by the image USER',
  fullDescription:
    "The ENTRYPOINT/CMD executable exists but the image's USER (uid/gid, resolved through /etc/passwd and /etc/group) has no execute permission on it by its mode bits and owner.",
  runtimeError: 'exec /app: permission denied',
  why: [
    'Files copied from the build context keep the mode they had in git or on the build host, and',
    '`COPY --chown` changes owners, not modes. A script committed without the executable bit, or',
    'a `0700` file owned by root in an image that switches to `USER 65532`, cannot be executed',
    'and the container fails on start.',
  ].join('\n'),
  fix: [
    'Set the mode where the file is placed:',
    '',
    '```diff',
    '-COPY entrypoint.sh /entrypoint.sh',
    '+COPY --chmod=0755 entrypoint.sh /entrypoint.sh',
    ' USER 65532',
    ' ENTRYPOINT ["/entrypoint.sh"]',
    '```',
    '',
    '(`COPY --chmod` needs BuildKit; with the legacy builder add `RUN chmod 0755 /entrypoint.sh`',
    'before `USER`.)',
  ].join('\n'),
  safeToIgnore: 'When every deployment runs the container as a user that can execute the file.',
  tags: ['reliability', 'entrypoint', 'permissions', 'container'],
  precision: 'high',
  check(ctx) {
    return checkExecutions(
      ctx,
      // The pod's user is to blame when it sets one; else the command that names another file.
      (container) =>
        container.securityContext.runAsUser || container.securityContext.runAsGroup
          ? 'user'
          : 'entrypoint',
      (spec) => {
        const outcome = entrypointOutcome(ctx, spec);
        // A user the engine cannot resolve stops it before this (EG404).
        if (outcome.stage !== 'denied') return [];
        const { entry, argvText, user, realPath, blocked } = outcome;
        const argv0 = entry.argv[0]!;
        return [
          {
            // runc execs what exec.LookPath returned: a name with a slash as written.
            runtimeError: `exec ${argv0.includes('/') ? argv0 : entry.path}: permission denied`,
            ...finding(
              'EG302',
              EG302.defaultLevel,
              entry.path,
              blocked
                ? `${user.description} cannot reach ${entry.path}: no search permission on ${blocked}`
                : `${user.description} may not execute ${entry.path}`,
              [`${realPath}: ${modeString(entry.file)}`, user.description, `command: ${argvText}`],
              blameEntrypoint(ctx, true),
            ),
          },
        ];
      },
    );
  },
};
