/**
 * EG602: a container's command, args or PATH depend on values only the cluster knows
 * (`valueFrom`, `envFrom`), so how it starts was not checked: said, never passed over in silence.
 */
import type { Finding } from '../findings.js';
import { containerExecution } from '../kubernetes/execution.js';
import { manifestRange, placeOnContainer } from '../kubernetes/placement.js';
import { blameEntrypoint, finding, type Rule } from './context.js';

export const EG602: Rule = {
  id: 'EG602',
  name: 'pod-command-undecided',
  defaultLevel: 'note',
  shortDescription: "A container's command depends on values only the cluster knows",
  fullDescription:
    'A container of a Kubernetes manifest runs the image with a command, args or PATH that use `$(VAR)` references to variables set from `valueFrom` (fields, ConfigMaps, Secrets) or only possibly from `envFrom`, so the program it starts cannot be known from the manifest and the entrypoint rules did not check it.',
  runtimeError: '',
  why: [
    "The kubelet expands `$(VAR)` in `command` and `args` with the container's environment when",
    'it creates the container. Values from ConfigMaps, Secrets or the downward API exist only',
    'there, so the scan cannot tell which program would start, nor whether it exists in the image.',
  ].join('\n'),
  fix: [
    'Name the program literally and pass the variable part as an argument:',
    '',
    '```diff',
    '-        command: ["$(APP_BINARY)", "serve"]',
    '+        command: ["/usr/local/bin/app", "serve"]',
    '```',
  ].join('\n'),
  safeToIgnore: 'When the value is known to name a program of the image in every cluster.',
  tags: ['kubernetes', 'entrypoint', 'container'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    const imageHasEntrypoint = (ctx.image.config.entrypoint ?? []).length > 0;
    for (const container of ctx.manifests?.containers ?? []) {
      const spec = containerExecution(ctx.image.config, container);
      if (spec.undecided.length === 0) continue;
      const names = spec.undecided.map((name) => `$(${name})`).join(', ');
      findings.push(
        placeOnContainer(
          finding(
            'EG602',
            EG602.defaultLevel,
            null,
            `how it starts depends on ${names}, known only in the cluster: its entrypoint was not checked`,
            [`command as the kubelet would expand it: ${JSON.stringify(spec.argv)}`],
            blameEntrypoint(ctx, false),
          ),
          container,
          spec,
          manifestRange(container, 'entrypoint', imageHasEntrypoint),
        ),
      );
    }
    return findings;
  },
};
