/**
 * EG702 (`scan --confirm`): an error a rule predicted did not happen when the image was run (the
 * entrypoint started, or the image's loader mapped every object). Shown at warning level so the
 * disagreement is never lost; the original finding stays, with `confirmation.status`
 * `contradicted`.
 */
import { judgeFinding } from '../confirm/judge.js';
import { finding, type Rule } from './context.js';

export const EG702: Rule = {
  id: 'EG702',
  name: 'prediction-contradicted',
  defaultLevel: 'warning',
  shortDescription: 'A predicted error did not happen when the image was run',
  fullDescription:
    "With `--confirm`, an error-level finding said the process dies on start (or its file cannot be loaded), but the entrypoint started in the engine or the image's own loader (`ld.so --list`) mapped every object.",
  runtimeError: '',
  why: [
    'Either the simulation is wrong for this image (please report it with the image), or the',
    'runner differs from the nodes in a way that matters (a qemu handler, a newer kernel). The',
    'original finding is kept and still gates; this warning says the run disagreed.',
  ].join('\n'),
  fix: [
    'Compare the finding with the quoted run; if the image really starts on your nodes, suppress',
    'the original finding with a reason (`.exit139-guard.yml`), and report the image:',
    '',
    '```diff',
    ' suppressions:',
    '+  - rule: EG103',
    '+    path: /usr/lib/x86_64-linux-gnu/libcuda.so.*',
    '+    reason: injected at run time by the NVIDIA container toolkit',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When the original finding is about the nodes, not this runner (for example a different CPU).',
  tags: ['reliability', 'confirmed-by-running'],
  precision: 'high',
  check(ctx) {
    const facts = ctx.confirmation;
    if (!facts) return [];
    return facts.predictions.flatMap((predicted) => {
      if (predicted.level !== 'error') return [];
      const c = judgeFinding(predicted, facts, ctx.loads);
      if (c === null || c.status !== 'contradicted') return [];
      return [
        {
          confirmation: c,
          ...finding(
            'EG702',
            EG702.defaultLevel,
            predicted.path,
            `${predicted.ruleId} predicted an error that did not happen when the image was run: ${c.detail}`,
            [`predicted: ${predicted.message}`, ...predicted.evidence.slice(0, 3)],
            { dockerfile: predicted.dockerfile, related: predicted.related },
          ),
        },
      ];
    });
  },
};
