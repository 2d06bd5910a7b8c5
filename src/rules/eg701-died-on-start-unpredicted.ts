/**
 * EG701 (`scan --confirm`): the entrypoint died on start in the engine (the runtime or the kernel
 * refused it, the loader stopped it, or a crash signal) and no rule predicted it. The static
 * simulation missed something; the observation is the finding.
 */
import { diedOnStart } from '../confirm/observe.js';
import { deathPredictions } from '../confirm/judge.js';
import { blameEntrypoint, finding, type Rule } from './context.js';

export const EG701: Rule = {
  id: 'EG701',
  name: 'died-on-start-unpredicted',
  defaultLevel: 'error',
  shortDescription: 'The entrypoint died on start in the engine, and no rule predicted it',
  fullDescription:
    'With `--confirm`, the image was started in a throwaway container and its process never ran its own code: the engine or runc refused it (`OCI runtime create failed`), the kernel refused the exec, the dynamic loader stopped it, or it was killed by SIGSEGV, SIGTRAP, SIGILL, SIGABRT or SIGBUS before the time limit; and no static rule had predicted an error for the entrypoint.',
  runtimeError: '(what the engine printed, quoted in the finding)',
  why: [
    'The static checks simulate the kernel, runc and the loader; this finding means the real ones',
    'disagreed. The finding quotes what the engine printed, the exit status and the signal, so the',
    'cause can be read from it directly; please also report it, so that a rule can learn it.',
  ].join('\n'),
  fix: [
    'Read the quoted error. Exit 139 (SIGSEGV), 133 (SIGTRAP), 132 (SIGILL) before any output',
    'usually mean a binary built for another CPU level or C library; `exec ...: no such file or',
    'directory` a missing ELF interpreter; `error while loading shared libraries` a missing library.',
    'For example, SIGILL on older CPUs from a Go binary built for a newer amd64 level:',
    '',
    '```diff',
    '-RUN GOAMD64=v3 go build -o /out/app .',
    '+RUN GOAMD64=v1 go build -o /out/app .',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When the image is not meant to start with its own ENTRYPOINT and CMD (a base image, a tool image run with other arguments).',
  tags: ['reliability', 'confirmed-by-running'],
  precision: 'very-high',
  check(ctx) {
    const facts = ctx.confirmation;
    const o = facts?.entrypoint;
    if (!facts || !o || facts.emulated !== null || !diedOnStart(o.outcome)) return [];
    if (deathPredictions(facts).length > 0) return [];
    const observed = o.runtimeError ?? `exit status ${o.exitCode}`;
    return [
      {
        runtimeError: observed,
        confirmation: {
          status: 'confirmed',
          runtimeError: o.runtimeError,
          exitCode: o.exitCode,
          signal: o.signal,
          method: 'entrypoint',
          outcome: o.outcome,
          detail: 'observed in the engine; no rule predicted it',
        },
        ...finding(
          'EG701',
          EG701.defaultLevel,
          facts.entrypointPath,
          `The entrypoint died on start in the engine: ${observed}`,
          [
            `outcome: ${o.outcome}`,
            `exit status: ${o.exitCode ?? 'none (not started)'}${o.signal ? ` (${o.signal})` : ''}`,
            ...o.stderr.slice(0, 5).map((line) => `stderr: ${line}`),
          ],
          blameEntrypoint(ctx, true),
        ),
      },
    ];
  },
};
