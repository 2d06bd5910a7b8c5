/**
 * EG703 (`scan --confirm`): the entrypoint started, then exited non-zero with its own message
 * (or was stopped by the confirmation's memory limit). Information: the program ran, so the
 * loader, the libraries and the architecture are fine; it may only need its configuration.
 */
import { blameEntrypoint, finding, type Rule } from './context.js';
import { deathPredictions } from '../confirm/judge.js';

export const EG703: Rule = {
  id: 'EG703',
  name: 'exited-with-own-error',
  defaultLevel: 'note',
  shortDescription: 'The entrypoint started, then exited with its own error',
  fullDescription:
    "With `--confirm`, the image's process started (it ran its own code) and exited with a non-zero status and its own message within the time limit, without network, on a read-only root filesystem; or the confirmation's memory limit stopped it.",
  runtimeError: '',
  why: [
    'The confirmation starts the image without its configuration, secrets, network or writable',
    'root filesystem, so a program that checks these and exits is normal. What matters here is',
    'that it ran: the loader, libraries and architecture are proven.',
  ].join('\n'),
  fix: [
    'Nothing, unless the quoted message shows a real problem of the image. A program that needs',
    'its configuration file to start can name it in CMD, so that the image starts as deployed:',
    '',
    '```diff',
    ' ENTRYPOINT ["/app"]',
    '+CMD ["--config", "/etc/app/config.yaml"]',
    '```',
  ].join('\n'),
  safeToIgnore: 'Almost always: this is information about the run.',
  tags: ['confirmed-by-running'],
  precision: 'very-high',
  check(ctx) {
    const facts = ctx.confirmation;
    const o = facts?.entrypoint;
    if (!facts || !o || (o.outcome !== 'exited' && o.outcome !== 'limited')) return [];
    if (deathPredictions(facts).length > 0) return [];
    const said = o.runtimeError ?? '(no output on stderr)';
    return [
      {
        runtimeError: said,
        ...finding(
          'EG703',
          EG703.defaultLevel,
          facts.entrypointPath,
          o.outcome === 'limited'
            ? `The entrypoint started and was stopped by the confirmation's memory limit`
            : `The entrypoint started, then exited with status ${o.exitCode}: ${said}`,
          o.stderr.slice(0, 5).map((line) => `stderr: ${line}`),
          blameEntrypoint(ctx, false),
        ),
      },
    ];
  },
};
