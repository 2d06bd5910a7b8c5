/**
 * EG101: a program whose ELF interpreter (PT_INTERP) does not resolve to a file in the image,
 * as the kernel looks it up through the image's symlinks (from the loader simulation); and, as
 * a note, a file with ELF magic that could not be read, so an unchecked file never passes as
 * all clear. A cgo-enabled Go binary on a base without a C library is EG202 instead.
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, isExecutableFile, type Rule } from './context.js';
import { CGO_DISABLED_DIFF } from './support/fix-diffs.js';
import { isStartable, LIBRARY_NAME, missingInterpreters, NOT_STARTED } from './support/loads.js';

export const EG101: Rule = {
  id: 'EG101',
  name: 'interpreter-missing',
  defaultLevel: 'error',
  shortDescription: 'ELF interpreter missing from the image',
  fullDescription:
    "A dynamically linked executable names an ELF interpreter (PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2) that does not resolve to a file in the image, following the image's own symlinks. The kernel cannot start the program.",
  runtimeError: 'exec /app: no such file or directory',
  why: [
    'A dynamic executable starts through the loader named in its `PT_INTERP` header. When that file',
    'is not in the image, `execve` fails with `ENOENT`, which runc reports as "no such file or',
    'directory" although the executable itself is there. Older runc versions print',
    '`standard_init_linux.go:178: exec user process caused "no such file or directory"`, BusyBox',
    '`sh` prints `/bin/sh: ./app: not found` and bash `cannot execute: required file not found`.',
    'Typical causes: a glibc-linked binary (Go with `CGO_ENABLED=1`, the default when gcc is',
    'present) copied into `scratch`, `distroless/static` or Alpine (which has',
    "musl's `/lib/ld-musl-x86_64.so.1`), or Go's `-buildmode=pie`, which needs a loader even with",
    '`CGO_ENABLED=0`.',
  ].join('\n'),
  fix: [
    'Build a static binary, use a base image that has the loader, or copy the loader and the',
    "libraries the program maps from the stage that built it. A Go binary's usual fix:",
    '',
    CGO_DISABLED_DIFF,
    '',
    'A C or C++ program: link it with `-static`, or copy its runtime from the build stage',
    '(`ldd /out/app` there lists the files; the pull-request comment writes these lines for you',
    "when the build stage's base image is in the Docker Engine):",
    '',
    '```diff',
    ' FROM scratch',
    ' COPY --from=build /out/app /app',
    '+COPY --from=build /lib64/ld-linux-x86-64.so.2 /lib64/',
    '+COPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/',
    '```',
    '',
    'Or use a glibc base of the same or a newer glibc than the build stage, e.g.',
    '`FROM gcr.io/distroless/base-debian12` or `FROM debian:bookworm-slim`.',
  ].join('\n'),
  safeToIgnore:
    'Only when the file is never executed in this image (a binary shipped for another image to copy, or a tool run only in a debug variant). Prefer an `ignore-paths` entry of the config for it over a suppression.',
  tags: ['reliability', 'loader', 'container'],
  precision: 'very-high',
  confirmedBy: 'load',
  check(ctx) {
    const findings: Finding[] = [];
    // A file with ELF magic that could not be read was not checked: say so, never "all clear";
    // an error when the image may start it (issue: an unreadable program is no pass).
    for (const file of ctx.image.files.values()) {
      if (file.type !== 'file' || file.elfError === null || file.linkTarget !== null) continue;
      if (!isExecutableFile(file.mode) && !LIBRARY_NAME.test(file.path)) continue;
      // EG110 says what the kernel does with it when its headers already decide.
      const started =
        file.kernelExec === null &&
        isExecutableFile(file.mode) &&
        !LIBRARY_NAME.test(file.path) &&
        isStartable(ctx, file.path);
      const found = finding(
        'EG101',
        started ? 'error' : 'note',
        file.path,
        `${file.path} starts like an ELF file but could not be read; its interpreter, architecture and libraries were not checked`,
        [
          file.elfError,
          ...(started ? ['the image can start it: an unchecked program is no pass'] : []),
        ],
        blameFile(ctx, file.path),
      );
      // How it fails (if it does) is not known: no runtime line is foretold.
      findings.push(started ? { ...found, runtimeError: '' } : found);
    }

    for (const { sim, interp, evidence, cgoOnStaticBase } of missingInterpreters(ctx)) {
      if (cgoOnStaticBase) continue; // EG202 says it
      // A program nothing starts (a prebuilt for another libc shipped beside the right one,
      // say) breaks nothing yet: a warning, unless it is the entrypoint, in PATH, or the
      // Dockerfile's own.
      const startable = isStartable(ctx, sim.path);
      findings.push(
        finding(
          'EG101',
          startable ? EG101.defaultLevel : 'warning',
          sim.path,
          `${sim.path} needs the ELF interpreter ${interp.requested}, which is not in the image`,
          startable ? evidence : [...evidence, NOT_STARTED],
          blameFile(ctx, sim.path),
        ),
      );
    }
    return findings;
  },
};
