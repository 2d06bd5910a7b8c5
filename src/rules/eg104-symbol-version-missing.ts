/**
 * EG104: symbol versions (e.g. GLIBC_2.34) an object needs that the library the loader finds
 * in the image does not define, once per object and library, from the loader simulation.
 */
import type { Finding } from '../findings.js';
import type { VersionMissing } from '../loader/index.js';
import { finding, listSome, type Rule } from './context.js';
import { groupReporting, problemGroups } from './support/loads.js';

/** "defines up to GLIBC_2.31" from the provider's version names. */
function highestOfFamily(version: string, defined: string[]): string | null {
  const family = version.replace(/[0-9.]+$/, '');
  const numbers = (v: string) => v.slice(family.length).split('.').map(Number);
  const sameFamily = defined.filter(
    (v) =>
      v.startsWith(family) && /^[0-9.]+$/.test(v.slice(family.length)) && v.length > family.length,
  );
  if (sameFamily.length === 0) return null;
  return sameFamily.reduce((best, v) => {
    const a = numbers(v);
    const b = numbers(best);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0) ? v : best;
    }
    return best;
  });
}

export const EG104: Rule = {
  id: 'EG104',
  name: 'symbol-version-missing',
  defaultLevel: 'error',
  shortDescription: 'Needed symbol version (e.g. GLIBC_2.34) not provided',
  fullDescription:
    'The ELF needs a symbol version (from its version-needs table, e.g. GLIBC_2.34 from libc.so.6) that the library the loader finds in the image does not define: the binary was built against a newer library than the image has.',
  runtimeError:
    "/app: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /app)",
  why: [
    'glibc versions its symbols, and a binary linked on a newer glibc records the versions it',
    'used. Anything linked on glibc 2.34 or later needs `__libc_start_main@GLIBC_2.34`, so a',
    'binary built in `golang:1.22` (Debian bookworm, glibc 2.36) cannot start on Debian bullseye',
    '(glibc 2.31), Ubuntu 20.04, UBI 8 or `distroless/base-debian11`. The loader checks versions',
    'before `main`, and the process exits with status 1.',
  ].join('\n'),
  fix: [
    'Build on the same distribution release as the final stage, or move the final stage forward:',
    '',
    '```diff',
    ' FROM golang:1.22-bookworm AS build',
    ' RUN go build -o /out/app .',
    ' ',
    '-FROM debian:bullseye-slim',
    '+FROM debian:bookworm-slim',
    ' COPY --from=build /out/app /app',
    '```',
    '',
    'For Go without C code, `CGO_ENABLED=0` removes the dependency on glibc entirely.',
  ].join('\n'),
  safeToIgnore: 'Never for a file that runs. Only when the file is not executed in this image.',
  tags: ['reliability', 'loader', 'libc', 'container'],
  precision: 'very-high',
  check(ctx) {
    const findings: Finding[] = [];
    for (const group of problemGroups(ctx)) {
      const first = group.problems[0];
      if (first.kind !== 'version-missing') continue;
      const { object, breaksLine, blame, level, withError } = groupReporting(ctx, group);
      const versions = (group.problems as VersionMissing[]).map((p) => p.version);
      const highest = highestOfFamily(first.version, first.providerVersions);
      findings.push(
        withError(
          finding(
            'EG104',
            level('error'),
            object,
            `${object} needs symbol version${versions.length > 1 ? 's' : ''} ${listSome(versions)} of ${first.file}, which the image's ${first.file} does not define`,
            [
              ...versions.map(
                (v) =>
                  `needs ${v} from ${first.file}; the image's ${first.file} (${first.provider}) ${highest ? `defines up to ${highest}` : `defines ${listSome(first.providerVersions)}`}`,
              ),
              ...breaksLine,
            ],
            blame,
          ),
        ),
      );
    }
    return findings;
  },
};
