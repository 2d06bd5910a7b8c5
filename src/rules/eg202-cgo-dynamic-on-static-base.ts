/**
 * EG202: a cgo-enabled, dynamically linked Go binary whose interpreter is missing because the
 * final base has no C library or loader (scratch, distroless/static); decided with the
 * interpreter lookup of EG101, which reports every other missing interpreter.
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, type Rule } from './context.js';
import { CGO_DISABLED_DIFF } from './support/fix-diffs.js';
import { missingInterpreters } from './support/loads.js';

export const EG202: Rule = {
  id: 'EG202',
  name: 'cgo-dynamic-on-static-base',
  defaultLevel: 'error',
  shortDescription: 'cgo-enabled dynamic Go binary on a base without a C library',
  fullDescription:
    'A Go binary built with CGO_ENABLED=1 and linked dynamically lands in a final stage FROM scratch or a distroless static image, which has no loader and no C library.',
  runtimeError: 'exec /app: no such file or directory',
  why: [
    'Go enables cgo by default when a C compiler is present, and the Debian-based `golang`',
    'images have gcc. A program that imports `net` or `os/user` then links against glibc and',
    'needs `/lib64/ld-linux-x86-64.so.2`, which `scratch` and `distroless/static` do not have. The',
    'build succeeds, the image pushes, and the container dies on start with an empty log, often',
    'first noticed as a crash-looping initContainer.',
  ].join('\n'),
  fix: [
    'Disable cgo for the build (Go then uses its pure-Go DNS resolver and user lookup):',
    '',
    CGO_DISABLED_DIFF,
    '',
    'If the program needs cgo, use `gcr.io/distroless/base-debian12` (glibc) as the final stage.',
  ].join('\n'),
  safeToIgnore: 'Never for a binary that runs in this image.',
  tags: ['reliability', 'go', 'cgo', 'container'],
  precision: 'very-high',
  check(ctx) {
    const findings: Finding[] = [];
    for (const { sim, evidence, cgoOnStaticBase } of missingInterpreters(ctx)) {
      if (!cgoOnStaticBase) continue;
      findings.push(
        finding(
          'EG202',
          EG202.defaultLevel,
          sim.path,
          `${sim.path} is a cgo-enabled, dynamically linked Go binary on a base without a C library or loader`,
          evidence,
          blameFile(ctx, sim.path),
        ),
      );
    }
    return findings;
  },
};
