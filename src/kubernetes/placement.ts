/**
 * Where a finding about a container goes in its manifest: the line of the field that decided
 * (the pod spec's override), else the container's entry; and how the finding names the
 * container (`Deployment/api initContainer migrate: ...`).
 */
import type { Finding, ManifestRange } from '../findings.js';
import type { ExecutionSpec } from '../rules/support/execution.js';
import { containerLabel, type ManifestContainer } from './workloads.js';

/** What a finding is about: how the process is found and started, or who runs it. */
export type Concern = 'entrypoint' | 'user';

function range(container: ManifestContainer, line: number, field: string | null): ManifestRange {
  return {
    path: container.workload.file,
    startLine: line,
    endLine: line,
    workload: `${container.workload.kind}/${container.workload.name}`,
    container: container.name,
    containerKind: container.kind,
    field,
  };
}

/** A user setting of the merged securityContext. */
export type UserSetting = 'runAsUser' | 'runAsGroup' | 'runAsNonRoot';

/**
 * The line of a securityContext setting, the container's or the pod's
 * (`securityContext.runAsGroup` / `spec.securityContext.runAsGroup`); null when unset.
 */
export function settingRange(container: ManifestContainer, key: UserSetting): ManifestRange | null {
  const setting = container.securityContext[key];
  if (!setting) return null;
  const where = setting.from === 'pod' ? 'spec.securityContext' : 'securityContext';
  return range(container, setting.line, `${where}.${key}`);
}

/**
 * The field to blame: for the entrypoint, `command`, then `args` (when they name the program,
 * i.e. without command and without an image ENTRYPOINT), `workingDir`, `env` (PATH); for the
 * user, the securityContext setting (`runAsUser`, `runAsGroup`, `runAsNonRoot`).
 */
export function manifestRange(
  container: ManifestContainer,
  concern: Concern,
  imageHasEntrypoint: boolean,
): ManifestRange {
  const { fieldLines } = container;
  if (concern === 'user') {
    for (const key of ['runAsUser', 'runAsGroup', 'runAsNonRoot'] as const) {
      const placed = settingRange(container, key);
      if (placed) return placed;
    }
    return range(container, container.line, null);
  }
  if (container.command && container.command.length > 0 && fieldLines.command)
    return range(container, fieldLines.command, 'command');
  if (!imageHasEntrypoint && container.args && container.args.length > 0 && fieldLines.args)
    return range(container, fieldLines.args, 'args');
  if (container.workingDir && fieldLines.workingDir)
    return range(container, fieldLines.workingDir, 'workingDir');
  const path = container.env.find((variable) => variable.name === 'PATH');
  if (path) return range(container, path.line, 'env');
  return range(container, container.line, null);
}

/** What the pod spec sets, as evidence lines. */
export function specEvidence(container: ManifestContainer, spec: ExecutionSpec): string[] {
  const lines = [`${containerLabel(container)} runs ${container.image}`];
  if (container.command) lines.push(`pod spec command: ${JSON.stringify(container.command)}`);
  if (container.args) lines.push(`pod spec args: ${JSON.stringify(container.args)}`);
  if (container.workingDir) lines.push(`pod spec workingDir: ${container.workingDir}`);
  const { runAsUser, runAsGroup } = container.securityContext;
  if (runAsUser)
    lines.push(`pod spec runAsUser: ${runAsUser.value} (${runAsUser.from} securityContext)`);
  if (runAsGroup)
    lines.push(`pod spec runAsGroup: ${runAsGroup.value} (${runAsGroup.from} securityContext)`);
  if (spec.undecided.length > 0)
    lines.push(
      `known only in the cluster: ${spec.undecided.map((name) => `$(${name})`).join(', ')}`,
    );
  return lines;
}

/** `finding`, about `container`: named after it and placed on its manifest lines. */
export function placeOnContainer(
  finding: Finding,
  container: ManifestContainer,
  spec: ExecutionSpec,
  placed: ManifestRange,
): Finding {
  return {
    ...finding,
    message: `${containerLabel(container)}: ${finding.message}`,
    evidence: [...specEvidence(container, spec), ...finding.evidence],
    manifest: placed,
  };
}
