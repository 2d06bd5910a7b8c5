/**
 * How a container's process is started, for the rules that check it (EG301–EG303, EG601,
 * EG602): the process's argv, user, groups, working directory and environment. It comes from
 * the image config (ENTRYPOINT + CMD, USER, WORKDIR, ENV: what `docker run` does), or from a
 * container of a Kubernetes manifest (src/kubernetes/execution.ts: the pod spec over the image),
 * so one rule code checks both.
 */
import type { Finding } from '../../findings.js';
import type { ImageConfig } from '../../image/types.js';
import { containerExecution } from '../../kubernetes/execution.js';
import { manifestRange, placeOnContainer, type Concern } from '../../kubernetes/placement.js';
import type { ManifestContainer } from '../../kubernetes/workloads.js';
import type { RuleContext } from '../context.js';

export interface ExecutionSpec {
  /** The process's argv; argv[0] is looked up as the runtime does. */
  argv: string[];
  /** As Docker's `--user` takes it: `name|uid[:group|gid]`; empty means root. */
  user: string;
  /** Where the user was set, as messages name it: `USER`, or `runAsUser` for a pod spec. */
  userSource: 'USER' | 'runAsUser' | 'runAsGroup';
  /** Extra group ids the process gets (a pod's supplementalGroups and fsGroup). */
  supplementaryGroups: number[];
  /** The working directory; empty means `/`. */
  workingDir: string;
  /** The process environment, `NAME=value`, later entries winning. */
  env: string[];
  /**
   * Variables the argv (or PATH) depends on whose value only the cluster knows (`valueFrom`,
   * `envFrom`): what depends on them is not decided here.
   */
  undecided: string[];
}

/** The image's own start: ENTRYPOINT + CMD, USER, WORKDIR, ENV. */
export function imageExecution(config: ImageConfig): ExecutionSpec {
  return {
    argv: [...(config.entrypoint ?? []), ...(config.cmd ?? [])],
    user: config.user,
    userSource: 'USER',
    supplementaryGroups: [],
    workingDir: config.workingDir,
    env: [...config.env],
    undecided: [],
  };
}

/** The last value of `name` in `env` (`NAME=value` entries), or null. */
export function envValue(env: readonly string[], name: string): string | null {
  let value: string | null = null;
  for (const entry of env) if (entry.startsWith(`${name}=`)) value = entry.slice(name.length + 1);
  return value;
}

/**
 * Runs `check` over the image's own start, then over each container of the manifests that runs
 * the image (`ctx.manifests`), as its pod spec starts it; each container's findings are named
 * after it and placed on its manifest line (`concern` says whether the start or the user is at
 * stake). A container finding that the image's own start has too (same rule, file and message)
 * holds for the image alone: it stays on the Dockerfile, once. A container whose command depends
 * on values only the cluster knows is left to EG602. With `podsOnly` (the admission webhook) the
 * image's own start is not checked: each container's findings are its own.
 */
export function checkExecutions(
  ctx: RuleContext,
  concern: (container: ManifestContainer) => Concern,
  check: (spec: ExecutionSpec) => Finding[],
): Finding[] {
  const own = ctx.manifests?.podsOnly ? [] : check(imageExecution(ctx.image.config));
  const findings = [...own];
  const imageHasEntrypoint = (ctx.image.config.entrypoint ?? []).length > 0;
  for (const container of ctx.manifests?.containers ?? []) {
    const spec = containerExecution(ctx.image.config, container);
    if (spec.undecided.length > 0) continue;
    for (const found of check(spec)) {
      const same = own.some(
        (o) => o.ruleId === found.ruleId && o.path === found.path && o.message === found.message,
      );
      if (same) continue;
      const placed = manifestRange(container, concern(container), imageHasEntrypoint);
      findings.push(placeOnContainer(found, container, spec, placed));
    }
  }
  return findings;
}
