/**
 * How a container of a manifest starts, as an "execution spec" (argv, user, groups, working
 * directory, environment): the same shape the entrypoint rules read for the image alone, so one
 * rule code checks both.
 *
 * The pod spec over the image, as the kubelet and the CRI runtime (containerd's
 * `WithProcessArgs`, `generateUserString`) assemble it:
 * - `command` replaces ENTRYPOINT and drops CMD; `args` alone replaces CMD; both given: command + args.
 * - `runAsUser` (pod-level, the container's over it) replaces the image's user; `runAsGroup`
 *   then names the group (`uid:gid`); without runAsUser the image's user keeps its name or uid.
 * - `workingDir` replaces WORKDIR; `env` is added to the image's ENV, the pod's value winning.
 * - `$(VAR)` in command, args and env values is expanded against the pod's own variables.
 */
import type { ImageConfig } from '../image/types.js';
import { expandEnv, expandReferences } from './expand.js';
import type { ManifestContainer } from './workloads.js';

export interface ExecutionSpec {
  /** The process's argv (argv[0] is looked up as the runtime does). */
  argv: string[];
  /** As Docker's `--user` takes it: `name|uid[:group|gid]`; empty means root. */
  user: string;
  /** Extra group ids the process gets (pod supplementalGroups and fsGroup). */
  supplementaryGroups: number[];
  /** The working directory; empty means `/`. */
  workingDir: string;
  /** The process environment, `NAME=value`, later entries winning. */
  env: string[];
  /**
   * Variables that argv depends on whose value only the cluster knows (valueFrom, envFrom):
   * what depends on them is not decided here.
   */
  undecided: string[];
}

/** The image's own: ENTRYPOINT + CMD, USER, WORKDIR, ENV. */
export function imageExecution(config: ImageConfig): ExecutionSpec {
  return {
    argv: [...(config.entrypoint ?? []), ...(config.cmd ?? [])],
    user: config.user,
    supplementaryGroups: [],
    workingDir: config.workingDir,
    env: [...config.env],
    undecided: [],
  };
}

/** The image as `container` of a manifest starts it. */
export function containerExecution(config: ImageConfig, container: ManifestContainer): ExecutionSpec {
  const env = expandEnv(container.env);
  const undecided = new Set<string>();
  const expand = (words: string[]): string[] =>
    words.map((word) => {
      const expanded = expandReferences(word, env.values);
      expanded.unknown.forEach((name) => undecided.add(name));
      return expanded.value;
    });
  const command = container.command && container.command.length > 0 ? expand(container.command) : null;
  const args = container.args && container.args.length > 0 ? expand(container.args) : null;
  let argv: string[];
  if (command) argv = [...command, ...(args ?? [])];
  else argv = [...(config.entrypoint ?? []), ...(args ?? config.cmd ?? [])];

  const { runAsUser, runAsGroup, supplementalGroups } = container.securityContext;
  let user = config.user;
  if (runAsUser) user = String(runAsUser.value);
  if (runAsGroup) user = `${(user || '0').split(':')[0]}:${runAsGroup.value}`;

  const imageEnv = config.env.filter((entry) => {
    const name = entry.slice(0, entry.indexOf('='));
    return !env.values.has(name);
  });
  const podEnv: string[] = [];
  for (const { name, value } of env.entries) {
    if (value === null) undecided.add(name);
    else podEnv.push(`${name}=${value}`);
  }
  // PATH decides where argv[0] is found: when only the cluster knows it, so is the lookup.
  const pathUnknown = env.values.get('PATH') === null;
  return {
    argv,
    user,
    supplementaryGroups: [...supplementalGroups],
    workingDir: container.workingDir ?? config.workingDir,
    env: [...imageEnv, ...podEnv],
    undecided: [...undecided].filter(
      (name) => argv.some((word) => word.includes(`$(${name})`)) || (name === 'PATH' && pathUnknown),
    ),
  };
}
