/**
 * EG704 (`scan --confirm`): the image's own loader reports a failure (missing library, missing
 * version, unresolved symbol, or the engine could not start the loader) for a file for which the
 * simulation found none, and no rule reported an error.
 */
import { finding, blameFile, type Rule } from './context.js';

export const EG704: Rule = {
  id: 'EG704',
  name: 'loader-failure-unpredicted',
  defaultLevel: 'error',
  shortDescription: "The image's loader cannot load a file the simulation loads",
  fullDescription:
    "With `--confirm`, the image's own dynamic loader was asked about the file (`ld.so` in ldd's trace mode for glibc, `--list` for musl) and reported a failure that the simulation did not find.",
  runtimeError: "(the loader's own line, quoted in the finding)",
  why: [
    'The simulation reads the same ld.so.cache, RUNPATH and symbol versions as the loader; when the',
    'real loader disagrees, believe it. The finding quotes its words.',
  ].join('\n'),
  fix: [
    'Read the quoted loader line: install or copy the named library, or build against the C',
    'library of the final image:',
    '',
    '```diff',
    ' FROM debian:bookworm-slim',
    '+RUN apt-get update && apt-get install -y --no-install-recommends libpq5',
    ' COPY --from=build /out/app /app',
    '```',
  ].join('\n'),
  safeToIgnore: 'When the file is never executed nor loaded in the container.',
  tags: ['reliability', 'confirmed-by-running', 'loader'],
  precision: 'very-high',
  check(ctx) {
    const facts = ctx.confirmation;
    if (!facts) return [];
    const findings = [];
    for (const [path, answer] of facts.loader) {
      if (answer.unanswered !== null || answer.failures.length === 0) continue;
      const sim = ctx.loads.simulations.get(path);
      if (sim?.problems.some((p) => p.kind !== 'undecided')) continue;
      if (facts.predictions.some((f) => f.path === path && f.level === 'error')) continue;
      findings.push({
        runtimeError: answer.failures[0],
        confirmation: {
          status: 'confirmed' as const,
          runtimeError: answer.failures[0],
          exitCode: null,
          signal: null,
          method: 'loader' as const,
          outcome: 'loader-failed' as const,
          detail: "the image's loader reports it; the simulation did not",
        },
        ...finding(
          'EG704',
          EG704.defaultLevel,
          path,
          `The image's loader cannot load ${path}: ${answer.failures[0]}`,
          answer.failures.slice(0, 5).map((line) => `loader: ${line}`),
          blameFile(ctx, path),
        ),
      });
    }
    return findings;
  },
};
