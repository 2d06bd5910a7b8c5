/**
 * EG404: the image's USER names a user (or group) that the image's /etc/passwd (or /etc/group)
 * does not define. The engine resolves names itself before it starts anything (moby's
 * daemon/oci_linux.go through runc's libcontainer/user) and refuses the container. For a
 * container of a Kubernetes manifest, the user is its pod spec's: a runAsUser replaces the image
 * USER and its name is never looked up (containerd's CRI plugin, oci.WithUserID).
 */
import { blameUser, finding, type Rule } from './context.js';
import { resolveUser } from './support/entrypoint.js';
import { checkExecutions } from './support/execution.js';

export const EG404: Rule = {
  id: 'EG404',
  name: 'user-unknown',
  defaultLevel: 'error',
  shortDescription: 'USER names a user or group the image does not define',
  fullDescription:
    "The image's `USER` gives a user name (or a group name) that no `/etc/passwd` (or `/etc/group`) of the image defines. A name is looked up in the image's own files when the container is created, even `root`; only numeric ids need no entry. The engine refuses to start the container.",
  runtimeError:
    'docker: Error response from daemon: unable to find user app: no matching entries in passwd file',
  why: [
    "Docker and containerd resolve `USER name[:group]` against the image's `/etc/passwd` and",
    '`/etc/group` before the process exists; a name they cannot find is an error',
    '(`unable to find user app: no matching entries in passwd file`, `unable to find group app:',
    'no matching entries in group file`). `scratch` has no `/etc/passwd` at all, so even',
    '`USER root` fails there; `distroless` defines only `root`, `nobody` and `nonroot`.',
  ].join('\n'),
  fix: [
    'Use a numeric id, which needs no entry, or add the user to the image:',
    '',
    '```diff',
    '-USER app',
    '+USER 10001:10001',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When every deployment overrides the user (Kubernetes `runAsUser` with a numeric id).',
  tags: ['reliability', 'entrypoint', 'permissions', 'container'],
  precision: 'very-high',
  confirmedBy: 'start',
  check(ctx) {
    // A pod's runAsUser replaces the image USER (containerd's CRI plugin sets the uid with
    // WithUserID, no name lookup): such a container needs no passwd entry for the image's name.
    return checkExecutions(
      ctx,
      () => 'user',
      (spec) => {
        const resolved = resolveUser(ctx.image, spec);
        if (!('unknown' in resolved)) return [];
        const { unknown } = resolved;
        const who = spec.userSource === 'USER' ? `USER ${spec.user}` : `user ${spec.user}`;
        return [
          {
            ...finding(
              'EG404',
              EG404.defaultLevel,
              null,
              unknown.fileExists
                ? `${who}: no ${unknown.kind} '${unknown.name}' in the image's ${unknown.file}; the engine refuses to start the container`
                : `${who}: the image has no ${unknown.file} to find ${unknown.kind} '${unknown.name}' in; the engine refuses to start the container`,
              [
                unknown.fileExists
                  ? `${unknown.file} defines no ${unknown.kind} named ${unknown.name}`
                  : `the image has no ${unknown.file}`,
              ],
              blameUser(ctx),
            ),
            runtimeError: unknown.engineError,
          },
        ];
      },
    );
  },
};
