/**
 * EG113: a glibc program that cancels threads or calls pthread_exit, in an image where libc.so.6
 * cannot load libgcc_s.so.1 (a distroless/base-like image has glibc but not libgcc). glibc
 * dlopens it at the first such call, prints its own message and aborts.
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, listSome, type Rule } from './context.js';
import { hiddenLoadGroups } from './support/hidden-loads.js';
import { NOT_STARTED } from './support/loads.js';

export const EG113: Rule = {
  id: 'EG113',
  name: 'libgcc-s-missing',
  defaultLevel: 'error',
  shortDescription:
    'glibc program needs libgcc_s.so.1 for thread cancellation, and the image has none',
  fullDescription:
    "The program (or a library it loads) calls `pthread_cancel` or `pthread_exit`. glibc implements both by unwinding the thread's stack with GCC's unwinder, which it loads from `libgcc_s.so.1` with dlopen at the first call; no DT_NEEDED names it, so the loader starts the program fine. The image has no `libgcc_s.so.1` where glibc looks for it.",
  runtimeError: 'libgcc_s.so.1 must be installed for pthread_cancel to work',
  why: [
    "glibc's libc.so.6 dlopens `libgcc_s.so.1` for `_Unwind_ForcedUnwind` (misc/unwind-link.c).",
    'When that fails it prints `libgcc_s.so.1 must be installed for pthread_cancel to work` (or',
    '`... for pthread_exit to work`, glibc 2.34+) and aborts, so the container dies with no other',
    'log line. Debian and Ubuntu always have it (`libgcc-s1` is a required package);',
    '`gcr.io/distroless/base` and hand-made images with only `libc.so.6` do not.',
  ].join('\n'),
  fix: [
    'Use a base that carries libgcc (`gcr.io/distroless/cc` instead of `distroless/base`), or',
    'copy it from the build stage:',
    '',
    '```diff',
    ' FROM gcr.io/distroless/base-debian12',
    '+COPY --from=build /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/',
    ' COPY --from=build /out/app /app',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When the code path that cancels or exits threads never runs in this deployment (the symbol is linked but not called).',
  tags: ['reliability', 'loader', 'glibc', 'container'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    for (const { load, programs, startable } of hiddenLoadGroups(ctx, 'unwinder')) {
      if (load.found !== null) continue;
      const calls = load.uses.map((u) => `${u.symbol} (imported by ${u.object})`);
      findings.push({
        ...finding(
          'EG113',
          startable ? 'error' : 'warning',
          programs[0],
          `${programs[0]} calls ${load.uses[0].symbol}, for which glibc loads ${load.name}; the image has none`,
          [
            `calls ${listSome(calls, 4)}`,
            `${load.libc} dlopens ${load.name}; searched: ${listSome(load.searched, 8)}`,
            ...(programs.length > 1 ? [`also in: ${listSome(programs.slice(1), 4)}`] : []),
            ...(startable ? [] : [NOT_STARTED]),
          ],
          blameFile(ctx, ...programs),
        ),
        ...(startable ? { runtimeError: load.message } : {}),
      });
    }
    return findings;
  },
};
