import { manifestImageProblem } from '../../src/kubernetes/images.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main.js';
import type { ScanReport } from '../../src/findings.js';
import { tinyElf } from '../support/tiny-elf.js';

/**
 * `scan --manifests` end to end through the CLI, on a root filesystem folder (no engine): the
 * image has no entrypoint of its own, so what starts is what the pod spec says.
 */
async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

let dir = '';
let rootfs = '';
let manifest = '';

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'eg-k8s-cli-'));
  rootfs = path.join(dir, 'rootfs');
  mkdirSync(path.join(rootfs, 'usr/local/bin'), { recursive: true });
  writeFileSync(path.join(rootfs, 'usr/local/bin/tool'), '#!/usr/local/bin/tool-interpreter\n');
  // The interpreter is a real program: a script naming itself would loop until the kernel's
  // ELOOP (five interpreter levels).
  writeFileSync(path.join(rootfs, 'usr/local/bin/tool-interpreter'), tinyElf(0));
  chmodSync(path.join(rootfs, 'usr/local/bin/tool'), 0o755);
  chmodSync(path.join(rootfs, 'usr/local/bin/tool-interpreter'), 0o755);
  manifest = path.join(dir, 'tool.yaml');
  writeFileSync(
    manifest,
    [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      '  name: tool',
      'spec:',
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      initContainers:',
      '        - name: missing',
      '          image: acme/tool:1',
      '          command: ["/usr/local/bin/missing"]',
      '      containers:',
      '        - name: secret',
      '          image: acme/tool:1',
      '          command: ["$(BIN)"]',
      '          env:',
      '            - name: BIN',
      '              valueFrom:',
      '                secretKeyRef: { name: tool, key: bin }',
      '        - name: fine',
      '          image: acme/tool:1',
      '          command: ["tool"]',
      '---',
      'apiVersion: example.com/v1',
      'kind: Widget',
      'metadata:',
      '  name: w',
      '',
    ].join('\n'),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exit139-guard scan --manifests', () => {
  it('checks each container of the image as its pod spec starts it, and says what it could not check', async () => {
    const result = await cli([
      'scan',
      '--archive',
      rootfs,
      '--manifests',
      manifest,
      '--manifest-image',
      'acme/tool',
      '--format',
      'json',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `exit139-guard scan: notice: ${manifest}:26: skipped Widget/w: a kind this reader does not know, without a pod template at spec.template or spec.jobTemplate\n`,
    );
    const report = JSON.parse(result.stdout) as ScanReport;
    const byContainer = report.findings
      .filter((f) => f.manifest)
      .map((f) => [f.ruleId, f.level, f.manifest!.container, f.manifest!.startLine, f.message]);
    expect(byContainer).toEqual([
      [
        'EG301',
        'error',
        'missing',
        12,
        'Job/tool initContainer missing: The entrypoint /usr/local/bin/missing does not exist in the image',
      ],
      [
        'EG602',
        'note',
        'secret',
        16,
        'Job/tool container secret: how it starts depends on $(BIN), known only in the cluster: its entrypoint was not checked',
      ],
    ]);
    expect(
      report.manifests!.containers.map((c) => `${c.workload} ${c.containerKind} ${c.container}`),
    ).toEqual([
      'Job/tool initContainer missing',
      'Job/tool container secret',
      'Job/tool container fine',
    ]);
  });

  it('says so when no container of the manifests runs the image, rather than passing in silence', async () => {
    const result = await cli([
      'scan',
      '--archive',
      rootfs,
      '--manifests',
      manifest,
      '--format',
      'json',
    ]);
    const report = JSON.parse(result.stdout) as ScanReport;
    expect(report.findings.filter((f) => f.ruleId === 'EG603').map((f) => f.message)).toEqual([
      'No container of the manifests runs this image (looked for no name): no pod spec was checked',
    ]);
    expect(report.manifests!.containers).toEqual([]);
  });

  it('stops with one error naming the file and line for a bad manifest (exit 2)', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: acme/tool\n      args: {x: 1}\n',
    );
    const result = await cli(['scan', '--archive', rootfs, '--manifests', bad]);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: `exit139-guard scan: ${bad}:6: spec.containers[0].args must be a list of strings, as the Kubernetes API defines it\n`,
    });
  });

  it('refuses --manifest-image without --manifests', async () => {
    const result = await cli(['scan', '--archive', rootfs, '--manifest-image', 'acme/tool']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--manifest-image needs --manifests');
  });

  it.each([
    ['registry.example.com:5000/team/api', null],
    ['old/api=api:pr-1', null],
    [`ghcr.io/acme/api@sha256:${'ab'.repeat(32)}`, null],
    ['UPPER/Case', 'refused'],
    ['a,b', 'refused'],
    ['-x', 'refused'],
    ['a@sha256:zz', 'refused'],
    ['a=', 'refused'],
  ])('reads --manifest-image %s as an image reference', (entry, verdict) => {
    expect(manifestImageProblem(entry) === null ? null : 'refused').toBe(verdict);
  });

  it('refuses a --manifest-image that is not NAME or NAME=IMAGE', async () => {
    const result = await cli([
      'scan',
      '--archive',
      rootfs,
      '--manifests',
      rootfs,
      '--manifest-image',
      'a=b=c',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `exit139-guard scan: --manifest-image "a=b=c": expected NAME or NAME=IMAGE, each an image reference (lower-case repository, optional :tag and @digest)`,
    );
  });
});
