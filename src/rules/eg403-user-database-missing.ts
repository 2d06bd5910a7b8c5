/**
 * EG403: a Go program that looks up users (os/user) in an image without /etc/passwd, or whose
 * USER is a uid that /etc/passwd does not list. Go's own behaviour (os/user/lookup_stubs.go,
 * cgo_lookup_unix.go): `user.Current()` in pure Go falls back to $USER and $HOME when the uid
 * has no entry and fails with `user: Current requires cgo or $USER set in environment` without
 * $USER (the engine never sets it); with cgo getpwuid_r finds nothing and Go returns
 * `user: unknown userid <uid>`.
 */
import type { Finding } from '../findings.js';
import { blameFile, blameUser, finding, type Rule } from './context.js';
import { imageEnv } from './facts.js';
import { resolveUser } from './support/entrypoint.js';
import { goPrograms, isFile } from './support/runtime-files.js';

export const EG403: Rule = {
  id: 'EG403',
  name: 'user-database-missing',
  defaultLevel: 'note',
  shortDescription: 'Go binary looks up users but the image has no entry for its user',
  fullDescription:
    'A Go binary links os/user and the image has no /etc/passwd (or /etc/group), or runs as a numeric USER that /etc/passwd does not list, so looking up the current user fails.',
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
    if (!isFile(ctx.image, '/etc/passwd')) {
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
    }
    const user = resolveUser(ctx.image);
    // A name the engine cannot resolve never gets this far (EG404); a listed uid is found.
    if ('unknown' in user || user.name !== null) return findings;
    const envUser = imageEnv(ctx.image, 'USER');
    for (const { file, signals } of goPrograms(ctx.image)) {
      if (!signals.osUser) continue;
      const goError = signals.cgoUser
        ? `user: unknown userid ${user.uid}`
        : envUser === null || envUser === ''
          ? 'user: Current requires cgo or $USER set in environment'
          : null;
      // Pure Go with $USER set takes the user from the environment: user.Current() succeeds.
      if (goError === null) continue;
      findings.push({
        ...finding(
          'EG403',
          'warning',
          file.path,
          `${file.path} looks up the current user (os/user) and runs as uid ${user.uid}, which the image's /etc/passwd does not list`,
          [
            `${user.description}; /etc/passwd has no entry with uid ${user.uid}`,
            signals.cgoUser
              ? 'linked: os/user through cgo (getpwuid_r): the lookup finds no entry'
              : 'linked: os/user in pure Go: no entry, and $USER is not set in the image (the engine never sets it)',
            `user.Current() returns: ${goError}`,
          ],
          blameUser(ctx, blameFile(ctx, file.path)),
        ),
        runtimeError: goError,
      });
    }
    return findings;
  },
};
