import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRunContext } from '../../src/github/context.js';
import { readInputs } from '../../src/github/inputs.js';
import { FIXTURES } from './run-action.js';
import { thrownMessage } from '../support/thrown.js';

function workspaceWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-inputs-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

const inputError = (ws: string, values: Record<string, string>): string =>
  thrownMessage(() => readInputs(ws, reader(values)));

describe('action inputs', () => {
  it('are read and resolved against the workspace', () => {
    const ws = workspaceWith({ Dockerfile: 'FROM scratch\n', 'image.tar': '' });
    const inputs = readInputs(
      ws,
      reader({
        'image-archive': 'image.tar',
        dockerfile: 'Dockerfile',
        'build-args': 'VERSION=1.2.3\n\nFLAGS=-s -w=x\n',
        platform: 'linux/arm/v7',
        'fail-on': 'warning',
        comment: 'false',
        'github-token': 'ghs_x',
      }),
    );
    expect(inputs).toMatchObject({
      image: null,
      imageArchive: path.join(ws, 'image.tar'),
      dockerfile: path.join(ws, 'Dockerfile'),
      buildArgs: { VERSION: '1.2.3', FLAGS: '-s -w=x' },
      platform: 'linux/arm/v7',
      failOn: 'warning',
      config: path.join(ws, '.exit139-guard.yml'),
      configRequired: false,
      sarifFile: path.join(ws, 'exit139-guard.sarif'),
      comment: 'never',
      commentLevel: 'warning',
      summary: true,
      minLevel: 'note',
      ignoreRules: [],
      baseline: null,
      failOnNewOnly: true,
      images: [],
      annotations: true,
      uploadSarif: false,
    });
  });

  it('read several images, one per line, archives apart from references', () => {
    const ws = workspaceWith({ 'api/Dockerfile': 'FROM scratch\n', 'web.oci.tar': '' });
    const inputs = readInputs(
      ws,
      reader({
        images: [
          '# the API and the web front end',
          'ghcr.io/acme/api:pr-1 dockerfile=api/Dockerfile target=runtime build-args=A=1,B=x=y',
          'web.oci.tar platform=all',
        ].join('\n'),
        'ignore-rules': 'EG501,EG403\nEG107',
        'comment-level': 'error',
        'min-level': 'warning',
        'kernel-minimum': '4.14',
        comment: 'on-failure',
      }),
    );
    expect(inputs.images).toEqual([
      {
        name: 'ghcr.io/acme/api:pr-1',
        image: 'ghcr.io/acme/api:pr-1',
        imageArchive: null,
        dockerfile: path.join(ws, 'api/Dockerfile'),
        target: 'runtime',
        buildArgs: { A: '1', B: 'x=y' },
        platform: null,
      },
      {
        name: 'web.oci.tar',
        image: null,
        imageArchive: path.join(ws, 'web.oci.tar'),
        dockerfile: null,
        target: null,
        buildArgs: {},
        platform: 'all',
      },
    ]);
    expect(inputs).toMatchObject({
      ignoreRules: ['EG501', 'EG403', 'EG107'],
      commentLevel: 'error',
      minLevel: 'warning',
      kernelMinimum: '4.14',
      comment: 'on-failure',
    });
  });

  it('take a registry reference with its login', () => {
    const inputs = readInputs(
      workspaceWith({}),
      reader({
        'image-remote': 'ghcr.io/acme/app@sha256:' + 'a'.repeat(64),
        'registry-username': 'bot',
        'registry-password': 'ghs_secret',
      }),
    );
    expect(inputs).toMatchObject({
      image: null,
      imageArchive: null,
      imageRemote: 'ghcr.io/acme/app@sha256:' + 'a'.repeat(64),
      registryCredentials: { username: 'bot', password: 'ghs_secret' },
      insecureRegistry: false,
    });
  });

  it("take 'confirm' as false (the default), true or all, and nothing else", () => {
    const ws = workspaceWith({ 'image.tar': '' });
    const confirm = (value: string) =>
      readInputs(ws, reader({ 'image-archive': 'image.tar', confirm: value })).confirm;
    expect(['', 'false', 'true', 'all'].map(confirm)).toEqual([null, null, 'findings', 'all']);
    expect(inputError(ws, { 'image-archive': 'image.tar', confirm: 'yes' })).toBe(
      "input 'confirm' must be true, false or all, not 'yes'",
    );
  });

  it('look for the default Dockerfile in the context, as docker build does', () => {
    const ws = workspaceWith({ 'api/Dockerfile': 'FROM scratch\n' });
    expect(readInputs(ws, reader({ image: 'app:1', context: 'api' })).dockerfile).toBe(
      path.join(ws, 'api', 'Dockerfile'),
    );
    expect(readInputs(ws, reader({ image: 'app:1' })).dockerfile).toBeNull();
  });

  it('tolerate a missing default Dockerfile but not a named one', () => {
    const ws = workspaceWith({});
    expect(readInputs(ws, reader({ image: 'app:1' })).dockerfile).toBeNull();
    expect(inputError(ws, { image: 'app:1', dockerfile: 'api/Dockerfile' })).toBe(
      "input 'dockerfile': api/Dockerfile is not a file (relative paths start at the workspace)",
    );
  });

  it.each([
    [
      {},
      "give exactly one of the inputs 'image' (a reference in the local engine), 'image-archive' (a path), 'image-remote' (a reference in a registry), 'images' (one per line) and 'from-report' (a saved JSON report)",
    ],
    [
      { image: 'a', 'image-archive': 'b' },
      "give exactly one of the inputs 'image' (a reference in the local engine), 'image-archive' (a path), 'image-remote' (a reference in a registry), 'images' (one per line) and 'from-report' (a saved JSON report)",
    ],
    [
      { image: 'a', images: 'b' },
      "give exactly one of the inputs 'image' (a reference in the local engine), 'image-archive' (a path), 'image-remote' (a reference in a registry), 'images' (one per line) and 'from-report' (a saved JSON report)",
    ],
    [
      { 'image-archive': 'nope.tar' },
      "input 'image-archive': nope.tar does not exist (relative paths start at the workspace)",
    ],
    [
      { image: 'a', platform: 'amd64' },
      "input 'platform' must be os/arch[/variant], e.g. linux/arm64, or all, not 'amd64'",
    ],
    [
      { image: 'a', comment: 'yes' },
      "input 'comment' must be one of always, on-findings, on-failure, never (or true/false), not 'yes'",
    ],
    [
      { image: 'a', 'comment-level': 'errors' },
      "input 'comment-level' must be one of error, warning, note, not 'errors'",
    ],
    [
      { image: 'a', 'ignore-rules': 'EG501, hardening' },
      "input 'ignore-rules': 'hardening' is not a rule id (EG followed by 3 digits)",
    ],
    [
      { image: 'a', 'ignore-rules': 'EG501 EG999' },
      "input 'ignore-rules': unknown rule 'EG999' (the README's Rules section lists the rule ids)",
    ],
    [
      { image: 'a', 'kernel-minimum': '4' },
      "input 'kernel-minimum' must be a kernel version such as 4.14 or 5.10.0, not '4'",
    ],
    [
      { image: 'a', baseline: 'base.json' },
      "input 'baseline': base.json does not exist (relative paths start at the workspace)",
    ],
    [
      { images: 'app:1 dockerfile=nope/Dockerfile' },
      "input 'images' line 1: dockerfile nope/Dockerfile is not a file",
    ],
    [
      { images: 'app:1\napp:2 flavour=x' },
      "input 'images' line 2: 'flavour=x' is not one of dockerfile=, target=, platform=, build-args=",
    ],
    [
      { 'image-remote': 'ghcr.io/acme/app:1', 'registry-username': 'bot' },
      "give both inputs 'registry-username' and 'registry-password', or neither",
    ],
    [
      { image: 'a', 'registry-username': 'bot', 'registry-password': 'x' },
      "inputs 'registry-username' and 'registry-password' go with 'image-remote'",
    ],
    [
      { 'image-remote': 'ghcr.io/acme/app:1', 'insecure-registry': 'on' },
      "input 'insecure-registry' must be true or false, not 'on'",
    ],
    [
      { image: 'a', 'build-args': 'VERSION' },
      "input 'build-args' line 1: expected KEY=VALUE, not 'VERSION'",
    ],
  ])('reject %j naming the input', (values, message) => {
    expect(inputError(workspaceWith({}), values)).toBe(message);
  });
});

describe('the run context', () => {
  const env = (event: string, name = 'pull_request') => ({
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_EVENT_NAME: name,
    GITHUB_EVENT_PATH: path.join(FIXTURES, event),
    GITHUB_WORKSPACE: '/ws',
    GITHUB_SHA: 'e3bd1d0c2a1b4f00c0ffee5f4a0d1b2c3d4e5f60',
  });

  it('knows the pull request, its head commit and whether it comes from a fork', () => {
    expect(readRunContext(env('pull_request.json')).pullRequest).toEqual({
      number: 42,
      headSha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
      fromFork: false,
    });
    expect(readRunContext(env('pull_request_from_fork.json')).pullRequest?.fromFork).toBe(true);
    expect(readRunContext(env('push.json', 'push')).pullRequest).toBeNull();
  });
});

describe('action inputs manifests and manifest-images', () => {
  it('take one path or name per line, paths resolved against the workspace', () => {
    const ws = workspaceWith({ 'deploy/api.yaml': 'kind: Pod\n', 'job.yaml': 'kind: Job\n' });
    const inputs = readInputs(
      ws,
      reader({
        image: 'api:pr-1',
        manifests: 'deploy/\n# the nightly job\njob.yaml\n',
        'manifest-images': 'registry.example.com/team/api\nold/api=api:pr-1\n',
      }),
    );
    expect(inputs.manifests).toEqual([path.join(ws, 'deploy'), path.join(ws, 'job.yaml')]);
    expect(inputs.manifestImages).toEqual(['registry.example.com/team/api', 'old/api=api:pr-1']);
  });

  it('name the input in their errors', () => {
    const ws = workspaceWith({});
    expect(inputError(ws, { image: 'a', manifests: 'k8s/' })).toBe(
      "input 'manifests': k8s/ does not exist (relative paths start at the workspace)",
    );
    expect(inputError(ws, { image: 'a', 'manifest-images': 'x' })).toBe(
      "input 'manifest-images' needs the input 'manifests'",
    );
    writeFileSync(path.join(ws, 'pod.yaml'), 'kind: Pod\n');
    expect(
      inputError(ws, { image: 'a', manifests: 'pod.yaml', 'manifest-images': 'ok/api\na=b=c' }),
    ).toBe(
      `input 'manifest-images': "a=b=c": expected NAME or NAME=IMAGE, each an image reference (lower-case repository, optional :tag and @digest)`,
    );
  });
});
