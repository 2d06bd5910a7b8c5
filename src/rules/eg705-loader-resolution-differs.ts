/**
 * EG705 (`scan --confirm`): the image's loader maps a library from another file than the
 * simulation says (compared after symlinks). Nothing fails, but the simulation's later checks
 * (versions, symbols) were made against the wrong file.
 */
import { finding, blameFile, type Rule } from './context.js';

export const EG705: Rule = {
  id: 'EG705',
  name: 'loader-resolution-differs',
  defaultLevel: 'warning',
  shortDescription: "The image's loader maps another file than the simulation",
  fullDescription:
    "With `--confirm`, the image's own dynamic loader resolved a DT_NEEDED name to a different file (after symlinks) than the simulation did.",
  runtimeError: '',
  why: 'The version and symbol checks of the static rules were made against the simulated file; the real one may differ.',
  fix: [
    'Report the image: the simulation follows the search order of glibc and musl, so a difference',
    'is a bug of the simulation or an unusual setup. Two copies of a library on the search path',
    'are the usual cause; keep one:',
    '',
    '```diff',
    '-ENV LD_LIBRARY_PATH=/opt/old/lib:/opt/app/lib',
    '+ENV LD_LIBRARY_PATH=/opt/app/lib',
    '```',
  ].join('\n'),
  safeToIgnore: 'When both files are the same library (copies of one build).',
  tags: ['confirmed-by-running', 'loader'],
  precision: 'high',
  check(ctx) {
    const facts = ctx.confirmation;
    if (!facts) return [];
    const findings = [];
    for (const [path, answer] of facts.loader) {
      const sim = ctx.loads.simulations.get(path);
      if (!sim || answer.unanswered !== null) continue;
      const differences: string[] = [];
      for (const object of sim.objects.slice(1)) {
        const observed = answer.resolved.get(object.name);
        if (observed === undefined || observed === null) continue;
        const resolved = ctx.image.resolve(observed);
        const real = resolved.found ? resolved.path : observed;
        if (real !== object.realPath) {
          differences.push(
            `${object.name}: loader ${observed}, simulation ${object.path} (${object.how})`,
          );
        }
      }
      if (differences.length === 0) continue;
      findings.push(
        finding(
          'EG705',
          EG705.defaultLevel,
          path,
          `The image's loader maps ${differences.length === 1 ? 'a library' : `${differences.length} libraries`} of ${path} from other files than the simulation`,
          differences.slice(0, 5),
          blameFile(ctx, path),
        ),
      );
    }
    return findings;
  },
};
