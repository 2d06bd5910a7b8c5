import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  containerLabel,
  containersRunning,
  imageMatches,
  parseImageReference,
  readManifests,
  type ManifestContainer,
} from '../../src/kubernetes/index.js';
import { expandEnv, expandReferences } from '../../src/kubernetes/expand.js';
import { thrownMessage } from '../support/thrown.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (...parts: string[]) => path.join(FIXTURES, ...parts);

const errorOf = (file: string): string => thrownMessage(() => readManifests([file]));

function summary(container: ManifestContainer) {
  return { label: containerLabel(container), image: container.image, line: container.line };
}

describe('reading manifests as kubectl apply -f takes them', () => {
  it('finds every container and initContainer of workloads, CronJobs, custom resources and Lists, initContainers first', () => {
    const set = readManifests([fixture('workloads.yaml')]);
    expect(set.containers.map(summary)).toEqual([
      { label: 'Deployment/api initContainer migrate', image: 'ghcr.io/acme/api:1.4', line: 22 },
      {
        label: 'Deployment/api container api',
        image:
          'ghcr.io/acme/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        line: 26,
      },
      { label: 'Deployment/api container proxy', image: 'envoyproxy/envoy:v1.30', line: 34 },
      { label: 'CronJob/nightly container report', image: 'api:pr-7', line: 48 },
      {
        label: 'Rollout/canary container api',
        image: 'registry.example.com:5000/acme/api',
        line: 60,
      },
      { label: 'Pod/debug container shell', image: 'acme/api:debug', line: 80 },
    ]);
    // The Service is a kind without pods; the ServiceMonitor is a custom resource without one.
    expect(set.notices).toEqual([
      {
        file: fixture('workloads.yaml'),
        line: 64,
        message:
          'skipped ServiceMonitor/api: a kind this reader does not know, without a pod template at spec.template or spec.jobTemplate',
      },
    ]);
  });

  it('merges the pod securityContext under the container one, with the line of each setting', () => {
    const [migrate, api] = readManifests([fixture('workloads.yaml')]).containers;
    expect(migrate!.securityContext).toEqual({
      runAsUser: { value: 1000, line: 19, from: 'pod' },
      runAsGroup: null,
      runAsNonRoot: { value: true, line: 20, from: 'pod' },
      supplementalGroups: [],
    });
    expect(api!.securityContext.runAsUser).toEqual({ value: 2000, line: 33, from: 'container' });
    expect(api!.securityContext.runAsNonRoot).toEqual({ value: true, line: 20, from: 'pod' });
    expect(migrate!.command).toEqual(['/app', 'migrate']);
    expect(migrate!.fieldLines).toEqual({ command: 24, image: 23 });
    expect(api!.args).toEqual(['--port=$(PORT)']);
    expect(api!.env).toEqual([{ name: 'PORT', value: '8080', line: 30 }]);
  });

  it('reads a folder like kubectl: its .yaml/.yml/.json files sorted by name, not subfolders', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'eg-manifests-'));
    try {
      const pod = (name: string): Pod => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers: [{ name: 'main', image: 'acme/api' }] },
      });
      writeFileSync(path.join(dir, 'b.yml'), yaml.dump(pod('b')));
      writeFileSync(path.join(dir, 'a.json'), JSON.stringify(pod('a')));
      writeFileSync(path.join(dir, 'notes.txt'), 'not a manifest');
      const set = readManifests([dir]);
      expect(set.files).toEqual([path.join(dir, 'a.json'), path.join(dir, 'b.yml')]);
      expect(set.containers.map(containerLabel)).toEqual([
        'Pod/a container main',
        'Pod/b container main',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the shapes Kubernetes OpenAPI types define (kubernetes-types), as a serializer writes them', () => {
    const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'typed' },
      spec: {
        selector: { matchLabels: { app: 'typed' } },
        template: {
          spec: {
            securityContext: {
              runAsUser: 10,
              runAsGroup: 20,
              supplementalGroups: [30],
              fsGroup: 40,
              runAsNonRoot: true,
            },
            initContainers: [
              { name: 'init', image: 'acme/api', command: ['/init'], workingDir: '/w' },
            ],
            containers: [
              {
                name: 'main',
                image: 'acme/api',
                args: ['$(A)'],
                env: [
                  { name: 'A', value: 'x' },
                  { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ],
                envFrom: [{ configMapRef: { name: 'more' } }],
                securityContext: { runAsUser: 11, readOnlyRootFilesystem: true },
              },
            ],
          },
        },
      },
    };
    const cronJob: CronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'typed-cron' },
      spec: {
        schedule: '@daily',
        jobTemplate: {
          spec: {
            template: { spec: { containers: [{ name: 'c', image: 'acme/api', command: [] }] } },
          },
        },
      },
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'eg-manifests-'));
    try {
      const file = path.join(dir, 'typed.yaml');
      writeFileSync(file, yaml.dump(deployment) + '---\n' + yaml.dump(cronJob));
      const [init, main, cron] = readManifests([file]).containers;
      expect(init).toMatchObject({
        kind: 'initContainer',
        command: ['/init'],
        workingDir: '/w',
        args: null,
      });
      expect(init!.securityContext).toMatchObject({
        runAsUser: { value: 10, from: 'pod' },
        runAsGroup: { value: 20, from: 'pod' },
        supplementalGroups: [40, 30],
      });
      expect(main).toMatchObject({
        args: ['$(A)'],
        env: [
          { name: 'A', value: 'x' },
          { name: 'B', value: null },
        ],
        envFrom: true,
      });
      expect(main!.securityContext).toMatchObject({
        runAsUser: { value: 11, from: 'container' },
      });
      expect(cron).toMatchObject({ name: 'c', command: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad manifests: one clear error naming file and line', () => {
  it('invalid YAML', () => {
    expect(errorOf(fixture('bad', 'invalid.yaml'))).toBe(
      `${fixture('bad', 'invalid.yaml')}:8:1: invalid YAML: unexpected end of the stream within a flow collection`,
    );
  });

  it('a document that is not an object', () => {
    expect(errorOf(fixture('bad', 'not-an-object.yaml'))).toBe(
      `${fixture('bad', 'not-an-object.yaml')}:8: document 2 is a list, not a Kubernetes object (a mapping with apiVersion and kind)`,
    );
  });

  it('a document without kind', () => {
    expect(errorOf(fixture('bad', 'no-kind.yaml'))).toBe(
      `${fixture('bad', 'no-kind.yaml')}:1: document 1 has no kind: not a Kubernetes object`,
    );
  });

  it('a field of the wrong type, as the API server would refuse it', () => {
    expect(errorOf(fixture('bad', 'command-string.yaml'))).toBe(
      `${fixture('bad', 'command-string.yaml')}:9: spec.containers[0].command must be a list of strings, as the Kubernetes API defines it`,
    );
  });

  it('an alias bomb is refused at once, like the Go YAML decoder the API machinery uses', () => {
    const started = Date.now();
    expect(errorOf(fixture('bad', 'alias-bomb.yaml'))).toBe(
      `${fixture('bad', 'alias-bomb.yaml')}:14: the document contains excessive aliasing (aliases expand to 490329036 of 490329074 nodes; the Kubernetes API machinery refuses it too)`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a 10 MB file is refused before it is parsed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'eg-manifests-'));
    try {
      const file = path.join(dir, 'huge.yaml');
      writeFileSync(file, '# padding\n'.repeat(1024 * 1024));
      expect(errorOf(file)).toBe(
        `${file}:1: the manifest is 10.0 MiB, more than the 8 MiB read: give the files that hold the workloads`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a path that does not exist', () => {
    expect(errorOf(fixture('nowhere.yaml'))).toBe(
      `the manifests ${fixture('nowhere.yaml')}: does not exist`,
    );
  });

  it('a FIFO: refused before it is opened (reading it would block)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'e139-manifests-fifo-'));
    try {
      execFileSync('mkfifo', [path.join(dir, 'pod.yaml')]);
      expect(errorOf(path.join(dir, 'pod.yaml'))).toBe(
        `the manifests ${path.join(dir, 'pod.yaml')}: is a FIFO (named pipe), not a regular file or a folder`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('which containers run the scanned image', () => {
  it('the same repository with any host, tag or digest; Docker Hub names normalised', () => {
    expect(parseImageReference('registry.example.com:5000/acme/api:1.2@sha256:ab')).toEqual({
      host: 'registry.example.com:5000',
      repository: 'acme/api',
      tag: '1.2',
      digest: 'sha256:ab',
    });
    expect(parseImageReference('nginx')).toEqual({
      host: 'docker.io',
      repository: 'library/nginx',
      tag: null,
      digest: null,
    });
    expect(parseImageReference('localhost/api:x')).toMatchObject({
      host: 'localhost',
      repository: 'api',
    });
    expect(imageMatches('docker.io/library/nginx:1.27', ['nginx'])).toBe(true);
    expect(imageMatches('acme/api:1', ['ghcr.io/acme/api:pr-7'])).toBe(true);
    expect(imageMatches('acme/api-worker:1', ['ghcr.io/acme/api:pr-7'])).toBe(false);
    expect(imageMatches('Acme/API', ['acme/api'])).toBe(false);
  });

  it('picks the containers of the scanned image, and mapped names for renamed ones', () => {
    const set = readManifests([fixture('workloads.yaml')]);
    expect(containersRunning(set, ['ghcr.io/acme/api:pr-7']).map(containerLabel)).toEqual([
      'Deployment/api initContainer migrate',
      'Deployment/api container api',
      'Rollout/canary container api',
      'Pod/debug container shell',
    ]);
    expect(containersRunning(set, ['api']).map(containerLabel)).toEqual([
      'CronJob/nightly container report',
    ]);
  });
});

describe("Kubernetes' $(VAR) expansion (the kubelet's expansion package)", () => {
  const vars = new Map<string, string | null>([
    ['A', 'alpha'],
    ['EMPTY', ''],
    ['SECRET', null],
  ]);
  it.each([
    ['$(A)', 'alpha'],
    ['x$(A)y$(A)', 'xalphayalpha'],
    ['$(EMPTY)', ''],
    ['$(UNDEFINED)', '$(UNDEFINED)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$alpha'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['${A}', '${A}'],
    ['cost $5', 'cost $5'],
    ['end$', 'end$'],
    ['$()', '$()'],
  ])('%s -> %s', (input, expected) => {
    expect(expandReferences(input, vars).value).toBe(expected);
  });

  it('reports the names whose values only the cluster knows', () => {
    expect(expandReferences('--token=$(SECRET) $(NOWHERE)', vars)).toEqual({
      value: '--token=$(SECRET) $(NOWHERE)',
      unknown: ['SECRET'],
      missing: ['NOWHERE'],
    });
  });

  it('expands each env value against the variables defined before it', () => {
    const env = expandEnv([
      { name: 'HOME', value: '/srv' },
      { name: 'PATH', value: '$(HOME)/bin:$(LATER)' },
      { name: 'LATER', value: 'x' },
      { name: 'POD', value: null },
      { name: 'DERIVED', value: '$(POD)-1' },
    ]);
    expect([...env.values]).toEqual([
      ['HOME', '/srv'],
      ['PATH', '/srv/bin:$(LATER)'],
      ['LATER', 'x'],
      ['POD', null],
      ['DERIVED', null],
    ]);
  });
});
