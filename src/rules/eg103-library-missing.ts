/**
 * EG103: a DT_NEEDED library the loader's search order does not find in the image (or finds
 * but cannot map), once per object and library, from the loader simulation; and, as a note,
 * an object whose libraries could not be checked.
 */
import type { Finding } from '../findings.js';
import { finding, listSome, type Rule } from './context.js';
import { groupReporting, problemGroups } from './support/loads.js';

export const EG103: Rule = {
  id: 'EG103',
  name: 'library-missing',
  defaultLevel: 'error',
  shortDescription: 'Shared library not found by the loader',
  fullDescription:
    "A library in DT_NEEDED is not found by the loader's search order in the image: DT_RPATH, DT_RUNPATH ($ORIGIN expanded), /etc/ld.so.cache and the default directories for glibc; DT_RUNPATH and /etc/ld-musl-<arch>.path for musl.",
  runtimeError:
    '/app: error while loading shared libraries: libfoo.so.1: cannot open shared object file: No such file or directory',
  why: [
    'The loader looks for each needed library in a fixed order and gives up at the first one it',
    'cannot find, before `main` runs, so the container logs nothing else. musl prints',
    '`Error loading shared library libfoo.so.1: No such file or directory (needed by /app)`.',
    "glibc's `ld.so` never reads `/etc/ld.so.conf`: a directory added there without running",
    '`ldconfig` in the image is invisible to it, which is why a library can be in the image and',
    'still not found.',
  ].join('\n'),
  fix: [
    'Install the runtime package that provides the library in the final stage (or copy it with',
    'the binary), or link the library statically:',
    '',
    '```diff',
    ' FROM debian:bookworm-slim',
    '+RUN apt-get update && apt-get install -y --no-install-recommends libfoo1 \\',
    '+ && rm -rf /var/lib/apt/lists/*',
    ' COPY --from=build /out/app /app',
    '```',
    '',
    'For a library copied to a directory of its own, run `ldconfig` after copying it or set a',
    '`RUNPATH` (`-Wl,-rpath,$ORIGIN/../lib`).',
  ].join('\n'),
  safeToIgnore:
    'When the library is supplied at run time by a volume mount or `LD_LIBRARY_PATH` set by the deployment (e.g. GPU driver libraries injected by the NVIDIA container toolkit). Suppress with that reason.',
  tags: ['reliability', 'loader', 'container'],
  precision: 'very-high',
  check(ctx) {
    const findings: Finding[] = [];
    for (const group of problemGroups(ctx)) {
      const first = group.problems[0];
      if (
        first.kind !== 'library-missing' &&
        first.kind !== 'library-unloadable' &&
        first.kind !== 'undecided'
      )
        continue;
      const { object, breaksLine, blame, level, withError } = groupReporting(ctx, group);
      switch (first.kind) {
        case 'library-missing': {
          const message = first.onlyInLdSoConf
            ? `${first.name}, needed by ${object}, is only in a directory /etc/ld.so.conf lists; /etc/ld.so.cache does not know it (ldconfig was not run)`
            : `${first.name}, needed by ${object}, is not found by the loader`;
          findings.push(
            withError(
              finding(
                'EG103',
                level('error'),
                object,
                message,
                [
                  `DT_NEEDED ${first.name} of ${object}`,
                  `searched: ${listSome(first.searched, 8)}`,
                  ...first.skipped.map((s) => `passed over ${s.path}: ${s.reason}`),
                  ...(first.onlyInLdSoConf
                    ? [
                        `${first.onlyInLdSoConf} exists, but ld.so reads only the cache, never ld.so.conf: run ldconfig after installing it`,
                      ]
                    : []),
                  ...breaksLine,
                ],
                blame,
              ),
            ),
          );
          break;
        }
        case 'library-unloadable':
          findings.push(
            withError(
              finding(
                'EG103',
                level('error'),
                object,
                `${first.name}, needed by ${object}, resolves to ${first.path}, which the loader cannot map`,
                [`${first.path}: ${first.reason}`, ...breaksLine],
                blame,
              ),
            ),
          );
          break;
        case 'undecided':
          findings.push(
            withError(
              finding(
                'EG103',
                'note',
                object,
                `Could not check the libraries of ${object}: ${first.detail}`,
                [first.detail, ...breaksLine],
                blame,
              ),
            ),
          );
          break;
      }
    }
    return findings;
  },
};
