/**
 * The kubelet's refusal to start a container that could run as root when `runAsNonRoot` is
 * set: pkg/kubelet/kuberuntime/security_context_others.go `verifyRunAsNonRoot`, with the user
 * the runtime reports for the image (containerd's getUserFromImage: the part of USER before
 * `:`, a uid when numeric, else a name; pkg/kubelet/kuberuntime/helpers.go getImageUser: no
 * USER at all is uid 0). The container is then never created: `CreateContainerConfigError`.
 */
import type { ManifestContainer } from './workloads.js';

/** validation.IsValidUserID: 0..MaxInt32. */
const MAX_USER_ID = 2147483647;

export interface RunAsNonRootRefusal {
  /** The kubelet's error, without the `(pod: ..., container: ...)` it appends. */
  reason: string;
  /** The error as `kubectl describe pod` shows it (pod name and uid are the cluster's). */
  runtimeError: string;
  /** Which setting decided: `runAsUser` (the pod spec) or the image's USER. */
  cause: 'runAsUser' | 'image-user';
}

/** The image's user as the runtime reports it: a uid, a name, or root when USER is unset. */
export function imageUser(user: string): { uid: number | null; username: string } {
  const part = user.split(':')[0] ?? '';
  if (part === '') return { uid: 0, username: '' };
  // strconv.ParseInt(part, 10, 64): an optional sign, then decimal digits.
  if (/^[+-]?\d+$/.test(part)) return { uid: Number(part), username: '' };
  return { uid: null, username: part };
}

/** The kubelet's format.Pod: `name_namespace(uid)`; the pod name and uid are made in the cluster. */
function podDescription(container: ManifestContainer): string {
  const { kind, name, namespace } = container.workload;
  const podName = kind === 'Pod' ? name : `${name}-…`;
  return `${podName}_${namespace ?? 'default'}(…)`;
}

/** The kubelet's decision for `container` over an image whose USER is `user`; null: it starts. */
export function verifyRunAsNonRoot(
  container: ManifestContainer,
  user: string,
): RunAsNonRootRefusal | null {
  const { runAsNonRoot, runAsUser } = container.securityContext;
  if (!runAsNonRoot || !runAsNonRoot.value) return null;
  const suffix = ` (pod: "${podDescription(container)}", container: ${container.name})`;
  const refuse = (reason: string, cause: RunAsNonRootRefusal['cause']): RunAsNonRootRefusal => ({
    reason,
    runtimeError: `Error: ${reason}${suffix}`,
    cause,
  });
  if (runAsUser) {
    return runAsUser.value === 0
      ? refuse("container's runAsUser breaks non-root policy", 'runAsUser')
      : null;
  }
  const { uid, username } = imageUser(user);
  if (uid === null)
    return refuse(
      `container has runAsNonRoot and image has non-numeric user (${username}), cannot verify user is non-root`,
      'image-user',
    );
  if (uid === 0)
    return refuse('container has runAsNonRoot and image will run as root', 'image-user');
  if (uid < 0 || uid > MAX_USER_ID)
    return refuse(
      `container has runAsNonRoot and image has an invalid user id (${uid}). (Must be 1-(${MAX_USER_ID})): must be between 0 and ${MAX_USER_ID}, inclusive`,
      'image-user',
    );
  return null;
}
