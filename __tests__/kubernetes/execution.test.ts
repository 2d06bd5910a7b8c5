import { describe, expect, it } from '@jest/globals';
import type { ImageConfig } from '../../src/image/types.js';
import { containerExecution } from '../../src/kubernetes/execution.js';
import { imageUser, verifyRunAsNonRoot } from '../../src/kubernetes/run-as-non-root.js';
import type { ManifestContainer } from '../../src/kubernetes/workloads.js';
import { imageExecution } from '../../src/rules/support/execution.js';

const IMAGE: ImageConfig = {
  os: 'linux',
  architecture: 'amd64',
  variant: null,
  user: 'app:app',
  env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'],
  entrypoint: ['/entrypoint.sh'],
  cmd: ['serve', '--port=80'],
  workingDir: '/srv',
  labels: {},
  id: null,
  digests: [],
  repoTags: [],
};

const at = <T>(value: T, from: 'pod' | 'container' = 'container') => ({ value, line: 1, from });

function container(overrides: Partial<ManifestContainer> = {}): ManifestContainer {
  return {
    workload: { kind: 'Deployment', name: 'api', namespace: null, file: 'k8s.yaml', line: 1 },
    kind: 'container',
    name: 'api',
    image: 'acme/api',
    line: 1,
    command: null,
    args: null,
    workingDir: null,
    env: [],
    envFrom: false,
    securityContext: {
      runAsUser: null,
      runAsGroup: null,
      runAsNonRoot: null,
      supplementalGroups: [],
    },
    fieldLines: {},
    ...overrides,
  };
}

function withSecurity(security: Partial<ManifestContainer['securityContext']>): ManifestContainer {
  const base = container();
  return { ...base, securityContext: { ...base.securityContext, ...security } };
}

describe('the pod spec over the image, as the kubelet and the CRI runtime assemble the process', () => {
  it('is the image itself without overrides', () => {
    expect(containerExecution(IMAGE, container())).toEqual(imageExecution(IMAGE));
  });

  it('command replaces ENTRYPOINT and drops CMD; args alone replace CMD; both: command + args', () => {
    expect(containerExecution(IMAGE, container({ command: ['/bin/migrate'] })).argv).toEqual([
      '/bin/migrate',
    ]);
    expect(containerExecution(IMAGE, container({ args: ['check'] })).argv).toEqual([
      '/entrypoint.sh',
      'check',
    ]);
    expect(
      containerExecution(IMAGE, container({ command: ['/bin/sh', '-c'], args: ['exit 0'] })).argv,
    ).toEqual(['/bin/sh', '-c', 'exit 0']);
    // An empty list is unset, as the runtime treats it.
    expect(containerExecution(IMAGE, container({ command: [] })).argv).toEqual([
      '/entrypoint.sh',
      'serve',
      '--port=80',
    ]);
  });

  it('expands $(VAR) from the pod env only, and adds the pod env over the image ENV', () => {
    const spec = containerExecution(
      IMAGE,
      container({
        command: ['$(BIN)', '$(LANG)', '$$(BIN)'],
        env: [
          { name: 'BIN', value: '/usr/local/bin/app', line: 1 },
          { name: 'PATH', value: '/opt/bin', line: 2 },
        ],
        workingDir: '/data',
      }),
    );
    expect(spec.argv).toEqual(['/usr/local/bin/app', '$(LANG)', '$(BIN)']);
    expect(spec.env).toEqual(['LANG=C.UTF-8', 'BIN=/usr/local/bin/app', 'PATH=/opt/bin']);
    expect(spec.workingDir).toBe('/data');
    expect(spec.undecided).toEqual([]);
  });

  it('runAsUser replaces the user; runAsGroup names the group, over the image user when alone', () => {
    expect(containerExecution(IMAGE, withSecurity({ runAsUser: at(1000) })).user).toBe('1000');
    expect(
      containerExecution(IMAGE, withSecurity({ runAsUser: at(1000), runAsGroup: at(3000) })).user,
    ).toBe('1000:3000');
    expect(containerExecution(IMAGE, withSecurity({ runAsGroup: at(3000) })).user).toBe('app:3000');
    expect(
      containerExecution({ ...IMAGE, user: '' }, withSecurity({ runAsGroup: at(3000) })).user,
    ).toBe('0:3000');
    expect(
      containerExecution(IMAGE, withSecurity({ supplementalGroups: [40, 30] })).supplementaryGroups,
    ).toEqual([40, 30]);
  });

  it('marks a command that depends on values only the cluster knows', () => {
    const spec = containerExecution(
      IMAGE,
      container({
        command: ['$(BIN)'],
        env: [
          { name: 'BIN', value: null, line: 1 },
          { name: 'OTHER', value: null, line: 2 },
        ],
      }),
    );
    expect(spec.undecided).toEqual(['BIN']);
  });

  it('with envFrom, a reference the env list leaves open is undecided too; without, it stays literal', () => {
    const command = ['$(FROM_CONFIGMAP)'];
    expect(containerExecution(IMAGE, container({ command, envFrom: true })).undecided).toEqual([
      'FROM_CONFIGMAP',
    ]);
    const literal = containerExecution(IMAGE, container({ command }));
    expect([literal.argv, literal.undecided]).toEqual([['$(FROM_CONFIGMAP)'], []]);
  });
});

describe("the kubelet's runAsNonRoot verification (security_context_others.go verifyRunAsNonRoot)", () => {
  const nonRoot = (security: Partial<ManifestContainer['securityContext']> = {}) =>
    withSecurity({ runAsNonRoot: at(true, 'pod'), ...security });

  it('takes the image user as the runtime reports it: the part before ":", a uid when numeric, else a name', () => {
    expect(imageUser('')).toEqual({ uid: 0, username: '' });
    expect(imageUser('1000:1000')).toEqual({ uid: 1000, username: '' });
    expect(imageUser('nonroot:nonroot')).toEqual({ uid: null, username: 'nonroot' });
  });

  it.each([
    ['root (no USER)', '', 'container has runAsNonRoot and image will run as root'],
    ['USER 0', '0', 'container has runAsNonRoot and image will run as root'],
    [
      'USER root',
      'root',
      'container has runAsNonRoot and image has non-numeric user (root), cannot verify user is non-root',
    ],
    [
      'USER nonroot:nonroot',
      'nonroot:nonroot',
      'container has runAsNonRoot and image has non-numeric user (nonroot), cannot verify user is non-root',
    ],
    [
      'USER 4294967296',
      '4294967296',
      'container has runAsNonRoot and image has an invalid user id (4294967296). (Must be 1-(2147483647)): must be between 0 and 2147483647, inclusive',
    ],
  ])('refuses %s', (_label, user, reason) => {
    expect(verifyRunAsNonRoot(nonRoot(), user)?.reason).toBe(reason);
  });

  it('accepts a numeric non-root USER, and runAsUser over any image USER; refuses runAsUser 0', () => {
    expect(verifyRunAsNonRoot(nonRoot(), '65532:65532')).toBeNull();
    expect(verifyRunAsNonRoot(nonRoot({ runAsUser: at(1000) }), 'root')).toBeNull();
    expect(verifyRunAsNonRoot(nonRoot({ runAsUser: at(0) }), '65532')).toMatchObject({
      reason: "container's runAsUser breaks non-root policy",
      cause: 'runAsUser',
      runtimeError: `Error: container's runAsUser breaks non-root policy (pod: "api-…_default(…)", container: api)`,
    });
  });

  it('does nothing when runAsNonRoot is unset or false (the container over the pod)', () => {
    expect(verifyRunAsNonRoot(container(), '')).toBeNull();
    expect(verifyRunAsNonRoot(withSecurity({ runAsNonRoot: at(false) }), '')).toBeNull();
  });
});
