/**
 * How a container of a manifest starts, as an execution spec (src/rules/support/execution.ts:
 * argv, user, groups, working directory, environment), the shape the entrypoint rules read for
 * the image alone too, so one rule code checks both.
 *
 * The pod spec over the image, as the kubelet and the CRI runtime (containerd's
 * `WithProcessArgs`, `generateUserString`) assemble it:
 * - `command` replaces ENTRYPOINT and drops CMD; `args` alone replaces CMD; both given: command + args.
 * - `runAsUser` (pod-level, the container's over it) replaces the image's user; `runAsGroup`
 *   then names the group (`uid:gid`); without runAsUser the image's user keeps its name or uid.
 * - `workingDir` replaces WORKDIR; `env` is added to the image's ENV, the pod's value winning.
 * - `$(VAR)` in command, args and env values is expanded against the pod's own variables; a
 *   reference left open is undecided when `envFrom` may define it.
 */
import type { ImageConfig } from '../image/types.js';
import type { ExecutionSpec } from '../rules/support/execution.js';
import { expandEnv, expandReferences } from './expand.js';
import type { ManifestContainer } from './workloads.js';

/** The image as `container` of a manifest starts it. */
export function containerExecution(
  config: ImageConfig,
  container: ManifestContainer,
): ExecutionSpec {
  const env = expandEnv(container.env);
  const undecided = new Set<string>();
  const expand = (words: string[]): string[] =>
    words.map((word) => {
      const expanded = expandReferences(word, env.values);
      expanded.unknown.forEach((name) => undecided.add(name));
      // envFrom (ConfigMaps, Secrets) may define what the env list does not.
      if (container.envFrom) expanded.missing.forEach((name) => undecided.add(name));
      return expanded.value;
    });
  const command =
    container.command && container.command.length > 0 ? expand(container.command) : null;
  const args = container.args && container.args.length > 0 ? expand(container.args) : null;
  let argv: string[];
  if (command) argv = [...command, ...(args ?? [])];
  else argv = [...(config.entrypoint ?? []), ...(args ?? config.cmd ?? [])];

  const { runAsUser, runAsGroup, supplementalGroups } = container.securityContext;
  let user = config.user;
  let userSource: ExecutionSpec['userSource'] = 'USER';
  if (runAsUser) {
    user = String(runAsUser.value);
    userSource = 'runAsUser';
  }
  if (runAsGroup) {
    user = `${(user || '0').split(':')[0]}:${runAsGroup.value}`;
    if (!runAsUser) userSource = 'runAsGroup';
  }

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
    userSource,
    supplementaryGroups: [...supplementalGroups],
    workingDir: container.workingDir ?? config.workingDir,
    env: [...imageEnv, ...podEnv],
    undecided: [...undecided].filter(
      (name) =>
        argv.some((word) => word.includes(`$(${name})`)) || (name === 'PATH' && pathUnknown),
    ),
  };
}
