/** EG403: a Go program that looks up users (os/user) in an image without /etc/passwd. */
import type { Finding } from '../findings.js';
import { blameFile, finding, type Rule } from './context.js';
import { goPrograms, isFile } from './support/runtime-files.js';

export const EG403: Rule = {
  id: 'EG403',
  name: 'user-database-missing',
  defaultLevel: 'note',
  shortDescription: 'Go binary looks up users but the image has no /etc/passwd',
  fullDescription:
    'A Go binary links os/user and the image has no /etc/passwd (or /etc/group), so user and group lookups fail.',
  runtimeError: 'user: unknown userid 0',
  why: [
    '`os/user.Current()` and `user.LookupId` call `getpwuid_r` through NSS with cgo, or read',
    '`/etc/passwd` in pure Go. `scratch` has no such file: with cgo the lookup returns',
    '`user: unknown userid <uid>`; in pure Go `user.LookupId` returns `open /etc/passwd: no such',
    'file or directory` and `user.Current()` `user: Current requires cgo or $USER set in',
    'environment`. Programs that derive a home directory or a cache path from the user then fail.',
  ].join('\n'),
  fix: [
    'Add a minimal user database for the user the image runs as:',
    '',
    '```diff',
    ' FROM scratch',
    '+COPY --from=build /etc/passwd /etc/group /etc/',
    ' COPY --from=build /out/app /app',
    ' USER 65532',
    '```',
    '',
    'or use `gcr.io/distroless/static-debian12`, which has `nonroot` (65532).',
  ].join('\n'),
  safeToIgnore: 'When the code path that looks up users is not used in this deployment.',
  tags: ['reliability', 'go', 'files', 'container'],
  precision: 'low',
  check(ctx) {
    const findings: Finding[] = [];
    if (isFile(ctx.image, '/etc/passwd')) return findings;
    for (const { file, signals } of goPrograms(ctx.image)) {
      if (!signals.osUser) continue;
      findings.push(
        finding(
          'EG403',
          EG403.defaultLevel,
          file.path,
          `${file.path} looks up users (os/user), and the image has no /etc/passwd`,
          [
            `linked: os/user${signals.cgoUser ? ' (cgo, through NSS)' : ' (pure Go, reads /etc/passwd and /etc/group)'}`,
          ],
          blameFile(ctx, file.path),
        ),
      );
    }
    return findings;
  },
};
