/**
 * EG604: the container runtime refuses to create a container whose pod spec sets `runAsGroup`
 * without `runAsUser` (its own or the pod's): CRI allows uid, uid:gid, name and name:gid, never
 * a group alone. containerd's generateUserString (internal/cri/util) and CRI-O's
 * setupContainerUser both return an error before any process exists.
 */
import type { Finding } from '../findings.js';
import { containerExecution } from '../kubernetes/execution.js';
import { placeOnContainer, settingRange } from '../kubernetes/placement.js';
import { verifyRunAsNonRoot } from '../kubernetes/run-as-non-root.js';
import { blameUser, finding, type Rule } from './context.js';

export const EG604: Rule = {
  id: 'EG604',
  name: 'run-as-group-without-user',
  defaultLevel: 'error',
  shortDescription: 'runAsGroup without runAsUser: the runtime refuses the container',
  fullDescription:
    'A container of a Kubernetes manifest gets `securityContext.runAsGroup` (its own or the pod\'s) and no `runAsUser` from either. The CRI user string allows a uid or a name with an optional group, never a group alone: containerd fails with `user group "N" is specified without user`, CRI-O with `user group is specified without user or username`, and the container is never created, whatever the image\'s USER.',
  runtimeError: 'failed to generate user string: user group "1000" is specified without user',
  why: [
    'The kubelet merges the pod and container security contexts and sends the runtime `run_as_user`',
    'and `run_as_group`. containerd builds the user from them before it looks at the image: with a',
    'group and no user it returns an error, so the pod stays in `CreateContainerError`',
    '(`Init:CreateContainerError` for an init container) with no process and no logs. The image',
    '`USER` is not used to fill the gap. `docker run --group-add` has no such rule, so nothing',
    'outside the cluster shows it.',
  ].join('\n'),
  fix: [
    'Set the user beside the group, in the container or for the whole pod:',
    '',
    '```diff',
    '     securityContext:',
    '+      runAsUser: 65532',
    '       runAsGroup: 65532',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When an admission controller (a mutating webhook or policy engine) sets runAsUser on these pods before they reach the kubelet.',
  tags: ['reliability', 'kubernetes', 'security-context', 'container'],
  precision: 'very-high',
  check(ctx) {
    const findings: Finding[] = [];
    for (const container of ctx.manifests?.containers ?? []) {
      const { runAsGroup, runAsUser } = container.securityContext;
      if (runAsGroup === null || runAsUser !== null) continue;
      // The kubelet's runAsNonRoot check comes before the runtime is asked (EG601).
      if (verifyRunAsNonRoot(container, ctx.image.config.user) !== null) continue;
      const placed = settingRange(container, 'runAsGroup')!;
      findings.push({
        ...placeOnContainer(
          finding(
            'EG604',
            EG604.defaultLevel,
            null,
            `the container runtime refuses to create it: runAsGroup ${runAsGroup.value} without runAsUser`,
            [
              `${placed.field}: ${runAsGroup.value}`,
              'no runAsUser in the container or pod securityContext',
              `image USER: ${ctx.image.config.user || '(none: root)'} (not used in place of runAsUser)`,
            ],
            blameUser(ctx),
          ),
          container,
          containerExecution(ctx.image.config, container),
          placed,
        ),
        runtimeError: `failed to generate user string: user group "${runAsGroup.value}" is specified without user`,
      });
    }
    return findings;
  },
};
