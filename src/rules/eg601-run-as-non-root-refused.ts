/**
 * EG601: the kubelet refuses to create a container whose pod spec sets `runAsNonRoot` when the
 * image would run as root, or when its USER is a name the kubelet cannot check
 * (pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot).
 */
import type { Finding } from '../findings.js';
import { containerExecution } from '../kubernetes/execution.js';
import { placeOnContainer, settingRange } from '../kubernetes/placement.js';
import { verifyRunAsNonRoot } from '../kubernetes/run-as-non-root.js';
import { blameEntrypoint, finding, type Rule } from './context.js';

export const EG601: Rule = {
  id: 'EG601',
  name: 'run-as-non-root-refused',
  defaultLevel: 'error',
  shortDescription: 'The kubelet refuses runAsNonRoot for this image',
  fullDescription:
    "A container of a Kubernetes manifest runs the image with `securityContext.runAsNonRoot: true` (its own or the pod's), and the kubelet cannot verify that it runs as a non-root user: `runAsUser` is 0, or there is no `runAsUser` and the image's USER is root (or unset), a name rather than a uid, or an invalid uid.",
  runtimeError:
    'Error: container has runAsNonRoot and image will run as root (pod: "api-7d4b9c6f5-x2x8q_default(...)", container: api)',
  why: [
    'Before it asks the runtime to create a container, the kubelet checks `runAsNonRoot` against',
    'the effective user: `runAsUser` when the pod spec sets one, else the USER of the image as the',
    'runtime reports it (the part before `:`; a number is a uid, anything else a name). It cannot',
    'look a name up in the image, so `USER nonroot` is refused as firmly as `USER root`. The pod',
    'stays in `CreateContainerConfigError` (`Init:CreateContainerConfigError` for an init',
    'container), no process starts and there are no logs; `docker run` starts the same image.',
  ].join('\n'),
  fix: [
    'Give the image a numeric USER:',
    '',
    '```diff',
    ' FROM gcr.io/distroless/static-debian12',
    ' COPY --from=build /out/app /app',
    '-USER nonroot',
    '+USER 65532:65532',
    '```',
    '',
    'or set the user in the pod spec, where the kubelet takes it first:',
    '',
    '```diff',
    '     securityContext:',
    '       runAsNonRoot: true',
    '+      runAsUser: 65532',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When an admission controller (a mutating webhook or policy engine) sets runAsUser on these pods before they reach the kubelet.',
  tags: ['reliability', 'kubernetes', 'security-context', 'container'],
  precision: 'very-high',
  check(ctx) {
    const findings: Finding[] = [];
    for (const container of ctx.manifests?.containers ?? []) {
      const refusal = verifyRunAsNonRoot(container, ctx.image.config.user);
      if (refusal === null) continue;
      const spec = containerExecution(ctx.image.config, container);
      const placed = settingRange(
        container,
        refusal.cause === 'runAsUser' ? 'runAsUser' : 'runAsNonRoot',
      )!;
      const imageUser = ctx.image.config.user || '(none: root)';
      findings.push({
        ...placeOnContainer(
          finding(
            'EG601',
            EG601.defaultLevel,
            null,
            `the kubelet refuses to create it: ${refusal.reason}`,
            [
              `pod spec runAsNonRoot: true (${container.securityContext.runAsNonRoot!.from} securityContext)`,
              `image USER: ${imageUser}`,
            ],
            blameEntrypoint(ctx, true),
          ),
          container,
          spec,
          placed,
        ),
        runtimeError: refusal.runtimeError,
      });
    }
    return findings;
  },
};
