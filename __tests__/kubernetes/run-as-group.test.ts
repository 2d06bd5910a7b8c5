/**
 * EG604: a runAsGroup with no runAsUser (container or pod) is a user string CRI does not allow;
 * containerd (generateUserString) and CRI-O (setupContainerUser) refuse to create the container.
 * No engine here runs the CRI plugin, so the truth is their source's rule and error text; the
 * image itself starts (its own start has no finding).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/scan.js';
import { tinyElf } from '../support/tiny-elf.js';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: group-only
spec:
  containers:
    - name: app
      image: acme/tool:1
      securityContext:
        runAsGroup: 1000
---
apiVersion: v1
kind: Pod
metadata:
  name: pod-user
spec:
  securityContext:
    runAsUser: 1000
  containers:
    - name: app
      image: acme/tool:1
      securityContext:
        runAsGroup: 1000
---
apiVersion: v1
kind: Pod
metadata:
  name: pod-group
spec:
  securityContext:
    runAsGroup: 2000
  containers:
    - name: app
      image: acme/tool:1
`;

let work = '';
let rootfs = '';

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'run-as-group-'));
  rootfs = path.join(work, 'rootfs');
  mkdirSync(rootfs);
  writeFileSync(path.join(rootfs, 'tool'), tinyElf(0));
  chmodSync(path.join(rootfs, 'tool'), 0o755);
  writeFileSync(path.join(work, 'pods.yaml'), MANIFEST);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('runAsGroup without runAsUser', () => {
  it('is refused by the runtime, on the runAsGroup line, for each container that has no user', async () => {
    const report = await scan({
      source: { kind: 'archive', path: rootfs },
      manifests: { paths: [path.join(work, 'pods.yaml')], images: ['acme/tool'] },
    });
    const eg604 = report.findings.filter((f) => f.ruleId === 'EG604');
    expect(
      eg604.map((f) => [f.manifest?.workload, f.manifest?.startLine, f.manifest?.field, f.message]),
    ).toEqual([
      [
        'Pod/group-only',
        10,
        'securityContext.runAsGroup',
        'Pod/group-only container app: the container runtime refuses to create it: runAsGroup 1000 without runAsUser',
      ],
      [
        'Pod/pod-group',
        31,
        'spec.securityContext.runAsGroup',
        'Pod/pod-group container app: the container runtime refuses to create it: runAsGroup 2000 without runAsUser',
      ],
    ]);
    expect(eg604.map((f) => [f.level, f.runtimeError])).toEqual([
      ['error', 'failed to generate user string: user group "1000" is specified without user'],
      ['error', 'failed to generate user string: user group "2000" is specified without user'],
    ]);
    // The image started alone has nothing wrong: only the pods' findings.
    expect(report.findings.filter((f) => f.level === 'error' && !f.manifest)).toEqual([]);
  });
});
