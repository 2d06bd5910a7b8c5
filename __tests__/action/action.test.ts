/**
 * The action, run as the runner runs it (the esbuild bundle under node, inputs from the
 * environment), against the committed demo images and a fake GitHub API that checks every request
 * against GitHub's OpenAPI description. The demo image really fails on start: `docker run` of it
 * prints `exec /server: no such file or directory` (examples/build.sh builds it).
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ScanReport } from '../../src/findings.js';
import { validateSarif } from '../report/sarif-validator.js';
import { dockerHost, engine } from '../support/engine.js';
import { FakeGitHub } from './github-api.js';
import { writeManyBrokenBinariesImage } from './images.js';
import {
  bundleAction,
  commands,
  HEAD_SHA,
  MERGE_SHA,
  runOnEvent,
  type ActionRun,
} from './run-action.js';

const DEMO = path.resolve('examples/go-service');
const BROKEN_ARCHIVE = path.resolve('examples/go-service.oci.tar');
const FIXED_ARCHIVE = path.resolve('examples/go-service-fixed.oci.tar');
const TOKEN = `ghs_${'Zx9'.repeat(12)}`;
const MARKER = /^<!-- exit139-guard:sticky:[0-9a-f]{16} -->\n/;

let bundleDir = '';
let api: FakeGitHub | null = null;

beforeAll(() => {
  bundleDir = bundleAction();
});

afterEach(async () => {
  await api?.stop();
  api = null;
});

async function startApi(readOnly = false): Promise<FakeGitHub> {
  api = new FakeGitHub({ owner: 'acme', repo: 'shop', readOnly });
  await api.start();
  return api;
}

/** A checkout of the demo repository with `dockerfile` as its Dockerfile. */
function workspace(dockerfile = 'Dockerfile'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-workspace-'));
  copyFileSync(path.join(DEMO, dockerfile), path.join(dir, 'Dockerfile'));
  return dir;
}

function run(
  ws: string,
  github: FakeGitHub,
  inputs: Record<string, string>,
  event = 'pull_request.json',
): Promise<ActionRun> {
  return runOnEvent({ bundleDir, workspace: ws, apiUrl: github.url, token: TOKEN, inputs, event });
}

function operations(github: FakeGitHub): string[] {
  return github.requests.map((r) => `${r.method} ${r.operationId}`);
}

/**
 * Everything the action wrote that a person or another tool could read. The `::add-mask::`
 * commands that register the token come first and are consumed by the runner, never shown.
 */
function everythingWritten(result: ActionRun, ws: string, github: FakeGitHub): string {
  const lines = result.stdout.split('\n');
  expect(lines.slice(0, 2)).toEqual([`::add-mask::${TOKEN}`, `::add-mask::${TOKEN.toUpperCase()}`]);
  const shown = lines.slice(2).join('\n');
  const files = ['exit139-guard.sarif', 'exit139-guard.json'].map((f) =>
    readFileSync(path.join(ws, f), 'utf8'),
  );
  return [
    shown,
    result.stderr,
    result.summary,
    JSON.stringify(result.outputs),
    ...files,
    ...github.comments.map((c) => c.body),
  ].join('\n');
}

describe('the action on a pull request', () => {
  it('creates the comment on the first run, updates it on the second, and flips it to passing when the image is fixed', async () => {
    const github = await startApi();
    const ws = workspace();

    const first = await run(ws, github, { 'image-archive': BROKEN_ARCHIVE });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    expect(first.outputs.result).toBe('fail');
    expect(Number(first.outputs.errors)).toBeGreaterThanOrEqual(1);
    expect(first.outputs['sarif-file']).toBe(path.join(ws, 'exit139-guard.sarif'));
    expect(first.outputs['json-file']).toBe(path.join(ws, 'exit139-guard.json'));
    expect(operations(github)).toEqual(['GET issues/list-comments', 'POST issues/create-comment']);
    expect(github.problems).toEqual([]);
    expect(github.comments).toHaveLength(1);
    const comment = github.comments[0]!;
    expect(first.outputs['comment-url']).toBe(
      `https://github.com/acme/shop/pull/42#issuecomment-${comment.id}`,
    );
    expect(comment.body).toMatch(MARKER);
    expect(comment.body).toContain('### ❌ exit139-guard: this image will fail on start');
    // /server is a cgo build on scratch: its interpreter is missing (the container fails with
    // exactly this), blamed on the COPY that put it there, linked at the PR head commit.
    const row = comment.body
      .split('\n')
      .find((line) => line.includes('cgo-dynamic-on-static-base'))!;
    expect(row).toContain('| `/server` | `exec /server: no such file or directory` |');
    expect(row).toContain(`(https://github.com/acme/shop/blob/${HEAD_SHA}/Dockerfile#L12)`);
    // The health check is static: it starts.
    expect(comment.body).not.toMatch(/\| 🛑 error \|.*\| `\/healthcheck` \|/);
    expect(first.summary).toContain(row);
    expect(first.summary).not.toMatch(MARKER);
    const errors = commands(first.stdout, 'error');
    expect(errors).toContainEqual({
      properties: {
        title: 'EG202 cgo-dynamic-on-static-base: /server',
        file: 'Dockerfile',
        line: '12',
        endLine: '12',
      },
      message: expect.stringContaining('At run time: exec /server: no such file or directory'),
    });
    expect(commands(first.stdout, 'error').at(-1)!.message).toMatch(
      /^exit139-guard: \d+ error\(s\).*failing at fail-on: error$/,
    );

    const second = await run(ws, github, { 'image-archive': BROKEN_ARCHIVE });
    expect(second.code).toBe(1);
    expect(operations(github).slice(2)).toEqual([
      'GET issues/list-comments',
      'PATCH issues/update-comment',
    ]);
    expect(github.comments).toHaveLength(1);
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url']);

    const fixedWs = workspace('Dockerfile.fixed');
    const fixed = await run(fixedWs, github, { 'image-archive': FIXED_ARCHIVE });
    expect(fixed.stderr).toBe('');
    expect(fixed.code).toBe(0);
    expect(fixed.outputs).toMatchObject({
      result: 'pass',
      errors: '0',
      findings: expect.any(String),
    });
    expect(operations(github).slice(4)).toEqual([
      'GET issues/list-comments',
      'PATCH issues/update-comment',
    ]);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toMatch(
      /^<!-- exit139-guard:sticky:[0-9a-f]{16} -->\n### ✅ exit139-guard: passing\n/,
    );
    expect(github.problems).toEqual([]);

    for (const result of [first, second, fixed]) {
      const written = everythingWritten(result, result === fixed ? fixedWs : ws, github);
      expect(written).not.toContain(TOKEN);
    }
  });

  it('writes SARIF that passes the SARIF multitool, with its default rules and GitHub ingestion rules', async () => {
    const github = await startApi();
    const ws = workspace();
    const result = await run(ws, github, {
      'image-archive': BROKEN_ARCHIVE,
      comment: 'false',
      'upload-sarif': 'true',
    });
    expect(result.code).toBe(1);
    const file = result.outputs['sarif-file']!;
    // The opt-in upload sends that same file, gzipped and base64-encoded, for the merge commit.
    expect(operations(github)).toEqual(['POST code-scanning/upload-sarif']);
    expect(github.problems).toEqual([]);
    const upload = github.sarifUploads[0] as {
      commit_sha: string;
      ref: string;
      sarif: string;
      tool_name: string;
    };
    expect(upload).toMatchObject({
      commit_sha: MERGE_SHA,
      ref: 'refs/pull/42/merge',
      tool_name: 'exit139-guard',
    });
    expect(gunzipSync(Buffer.from(upload.sarif, 'base64')).toString('utf8')).toBe(
      readFileSync(file, 'utf8'),
    );
    const sarif = JSON.parse(readFileSync(file, 'utf8')) as {
      runs: {
        results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
      }[];
    };
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);
    for (const r of sarif.runs[0]!.results)
      expect(r.locations[0]!.physicalLocation.artifactLocation.uri).toBe('Dockerfile');
    expect(validateSarif(file, 'default').filter((m) => m.level === 'error')).toEqual([]);
    expect(validateSarif(file, 'Gh')).toEqual([]);
  });

  it('does not fail on a fork, where the token can neither comment nor upload: it says why and keeps summary and annotations', async () => {
    const github = await startApi(true);
    const ws = workspace();
    const result = await run(
      ws,
      github,
      { 'image-archive': BROKEN_ARCHIVE, 'fail-on': 'never', 'upload-sarif': 'true' },
      'pull_request_from_fork.json',
    );
    expect(result.code).toBe(0);
    expect(result.outputs.result).toBe('pass');
    expect(result.outputs['comment-url']).toBe('');
    expect(operations(github)).toEqual([
      'GET issues/list-comments',
      'POST issues/create-comment',
      'POST code-scanning/upload-sarif',
    ]);
    expect(github.problems).toEqual([]);
    expect(github.comments).toEqual([]);
    expect(commands(result.stdout, 'notice').map((n) => n.message)).toEqual(
      expect.arrayContaining([
        'exit139-guard: could not write the pull request comment (HTTP 403): pull requests from forks get a read-only GITHUB_TOKEN. The findings are in the job summary and the annotations.',
        'exit139-guard: SARIF not uploaded: the code-scanning API refused the upload (HTTP 403): it needs `security-events: write`, which fork pull requests do not get, and code scanning enabled for the repository. Use github/codeql-action/upload-sarif instead.',
      ]),
    );
    expect(result.summary).toContain('cgo-dynamic-on-static-base');
    expect(commands(result.stdout, 'error').length).toBeGreaterThan(0);
    expect(everythingWritten(result, ws, github)).not.toContain(TOKEN);
  });

  it('keeps annotations within GitHub limits and counts the rest in one notice', async () => {
    const github = await startApi();
    const ws = mkdtempSync(path.join(os.tmpdir(), 'e139-workspace-'));
    const { archive, dockerfile } = await writeManyBrokenBinariesImage(ws, BROKEN_ARCHIVE, 14);
    writeFileSync(path.join(ws, 'Dockerfile'), dockerfile);
    const result = await run(ws, github, { 'image-archive': archive, comment: 'false' });
    expect(result.code).toBe(1);
    const errorAnnotations = commands(result.stdout, 'error').filter(
      (e) => e.properties.file === 'Dockerfile',
    );
    expect(errorAnnotations).toHaveLength(10);
    const totalErrors = Number(result.outputs.errors);
    expect(totalErrors).toBeGreaterThanOrEqual(14);
    const notices = commands(result.stdout, 'notice');
    const overflow = notices.filter(
      (n) => n.properties.title === 'exit139-guard: more findings than annotations',
    );
    expect(overflow).toHaveLength(1);
    expect(overflow[0]!.message).toMatch(
      new RegExp(`^\\d+ more findings are not annotated \\(${totalErrors - 10} errors`),
    );
    expect(notices.length).toBeLessThanOrEqual(10);
    expect(
      commands(result.stdout, 'warning').filter((w) => w.properties.file).length,
    ).toBeLessThanOrEqual(10);
    // The summary has every one of them.
    for (let i = 1; i <= 14; i++)
      expect(result.summary).toContain(`\`/usr/local/bin/worker-${i}\``);
  });
});

describe('the action with an image in the engine', () => {
  it('reads it from the engine named by docker-host', async () => {
    const docker = await engine('the action reading from the engine');
    if (!docker) return;
    const github = await startApi();
    const ws = mkdtempSync(path.join(os.tmpdir(), 'e139-workspace-'));
    const { archive, dockerfile } = await writeManyBrokenBinariesImage(ws, BROKEN_ARCHIVE, 2);
    writeFileSync(path.join(ws, 'Dockerfile'), dockerfile);
    execFileSync('docker', ['load', '--quiet', '--input', archive], {
      env: { ...process.env, DOCKER_HOST: dockerHost() },
    });
    try {
      // The runner's environment has no DOCKER_HOST here: only the input names the engine.
      const result = await run(ws, github, {
        image: 'acme/workers:pr-42',
        'docker-host': dockerHost(),
        comment: 'false',
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(1);
      expect(result.summary).toContain(
        'in `acme/workers:pr-42` (linux/amd64), built from `Dockerfile`.',
      );
      const errors = commands(result.stdout, 'error').filter(
        (e) => e.properties.file === 'Dockerfile',
      );
      expect(errors.map((e) => [e.properties.title, e.properties.line])).toEqual([
        ['EG202 cgo-dynamic-on-static-base: /usr/local/bin/worker-1', '7'],
        ['EG202 cgo-dynamic-on-static-base: /usr/local/bin/worker-2', '8'],
      ]);
    } finally {
      await docker.getImage('acme/workers:pr-42').remove();
    }
  });
});

describe('the action with confirm: true (issue 17)', () => {
  it("runs the image in the engine: each error is confirmed by running, with the engine's own text", async () => {
    const docker = await engine('the action confirming by running');
    if (!docker) return;
    const github = await startApi();
    const ws = mkdtempSync(path.join(os.tmpdir(), 'e139-workspace-'));
    const { archive, dockerfile } = await writeManyBrokenBinariesImage(ws, BROKEN_ARCHIVE, 2);
    writeFileSync(path.join(ws, 'Dockerfile'), dockerfile);
    execFileSync('docker', ['load', '--quiet', '--input', archive], {
      env: { ...process.env, DOCKER_HOST: dockerHost() },
    });
    try {
      const result = await run(ws, github, {
        image: 'acme/workers:pr-42',
        'docker-host': dockerHost(),
        comment: 'false',
        confirm: 'true',
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(1);
      const report = JSON.parse(readFileSync(result.outputs['json-file']!, 'utf8')) as ScanReport;
      // worker-1 is the entrypoint: runc's words; worker-2 is asked through its (missing) loader.
      expect(
        report.findings
          .filter((f) => f.level === 'error')
          .map((f) => [
            f.ruleId,
            f.path,
            f.confirmation?.status,
            f.confirmation?.method,
            f.confirmation?.runtimeError,
          ]),
      ).toEqual([
        [
          'EG202',
          '/usr/local/bin/worker-1',
          'confirmed',
          'entrypoint',
          'exec /usr/local/bin/worker-1: no such file or directory',
        ],
        [
          'EG202',
          '/usr/local/bin/worker-2',
          'confirmed',
          'loader',
          'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/lib64/ld-linux-x86-64.so.2": stat /lib64/ld-linux-x86-64.so.2: no such file or directory: unknown',
        ],
      ]);
      expect(report.confirmation?.entrypoint).toMatchObject({
        status: 'confirmed',
        outcome: 'refused',
      });
      const sarif = JSON.parse(readFileSync(result.outputs['sarif-file']!, 'utf8')) as {
        runs: { results: { message: { text: string } }[] }[];
      };
      expect(sarif.runs[0]!.results[0]!.message.text).toContain(
        'Run in the engine: confirmed by running: exec /usr/local/bin/worker-1: no such file or directory',
      );
      // The confirmation (result properties, run properties) keeps the SARIF valid for GitHub.
      const sarifFile = result.outputs['sarif-file']!;
      expect(validateSarif(sarifFile, 'default').filter((m) => m.level === 'error')).toEqual([]);
      expect(validateSarif(sarifFile, 'Gh')).toEqual([]);
    } finally {
      await docker.getImage('acme/workers:pr-42').remove();
    }
  });
});

describe('the action outside pull requests and with bad input', () => {
  it('on a push it reports through summary and annotations, says why there is no comment, and calls no API', async () => {
    const github = await startApi();
    const ws = workspace();
    const result = await run(ws, github, { 'image-archive': BROKEN_ARCHIVE }, 'push.json');
    expect(result.code).toBe(1);
    expect(github.requests).toEqual([]);
    expect(commands(result.stdout, 'notice').map((n) => n.message)).toContain(
      "exit139-guard: no pull request comment: this run is a 'push' event, not a pull request. The findings are in the job summary and the annotations.",
    );
    // Links point at the pushed commit.
    expect(result.summary).toContain(
      `(https://github.com/acme/shop/blob/${HEAD_SHA}/Dockerfile#L12)`,
    );
    expect(everythingWritten(result, ws, github)).not.toContain(TOKEN);
  });

  it('fails with one message naming file:line:column on a bad config, and writes no report', async () => {
    const github = await startApi();
    const ws = workspace();
    mkdirSync(path.join(ws, 'ci'));
    writeFileSync(path.join(ws, 'ci/guard.yml'), 'rules:\n  EG501: off\n  EG999: error\n');
    const result = await run(ws, github, {
      'image-archive': BROKEN_ARCHIVE,
      config: 'ci/guard.yml',
    });
    expect(result.code).toBe(2);
    expect(commands(result.stdout, 'error')).toEqual([
      {
        properties: {},
        message:
          "exit139-guard: ci/guard.yml:3:3: unknown rule 'EG999' (the README's Rules section lists the rule ids)",
      },
    ]);
    expect(result.outputs).toEqual({});
    expect(github.requests).toEqual([]);
  });

  it('names the input when the SARIF file it names is a folder, with no stack trace', async () => {
    const github = await startApi();
    const ws = workspace();
    mkdirSync(path.join(ws, 'reports'));
    const result = await run(ws, github, {
      'image-archive': BROKEN_ARCHIVE,
      'sarif-file': 'reports',
    });
    expect(result.code).toBe(2);
    expect(commands(result.stdout, 'error').map((e) => e.message)).toEqual([
      `exit139-guard: input 'sarif-file': cannot write ${path.join(ws, 'reports')}: it is a folder`,
    ]);
  });

  it('names the input when one is wrong', async () => {
    const github = await startApi();
    const result = await run(workspace(), github, {
      'image-archive': BROKEN_ARCHIVE,
      'fail-on': 'errors',
    });
    expect(result.code).toBe(2);
    expect(commands(result.stdout, 'error').map((e) => e.message)).toEqual([
      "exit139-guard: input 'fail-on' must be one of error, warning, note, never, not 'errors'",
    ]);
  });
});

describe('the CLI and the action', () => {
  it('give the same SARIF and the same comment, under the same config and pragmas', async () => {
    const github = await startApi();
    const ws = workspace();
    // Suppress EG202 on the COPY of /server with a pragma, and switch EG501 off in the config.
    const lines = readFileSync(path.join(ws, 'Dockerfile'), 'utf8').split('\n');
    const copy = lines.findIndex((l) => l.startsWith('COPY --from=build /out/server'));
    lines.splice(
      copy,
      0,
      '# exit139-guard ignore=EG202 reason="the static build lands in the next PR"',
    );
    writeFileSync(path.join(ws, 'Dockerfile'), lines.join('\n'));
    writeFileSync(path.join(ws, '.exit139-guard.yml'), 'rules:\n  EG501: off\n');

    const action = await run(ws, github, { 'image-archive': BROKEN_ARCHIVE, comment: 'false' });
    expect(action.code).toBe(0);
    const cli = (format: string) =>
      execFileSync(
        process.execPath,
        [
          path.join(bundleDir, 'cli.js'),
          'scan',
          '--archive',
          BROKEN_ARCHIVE,
          '--dockerfile',
          'Dockerfile',
          '--format',
          format,
        ],
        {
          cwd: ws,
          encoding: 'utf8',
        },
      );
    type Run = {
      results: { ruleId: string; suppressions?: unknown[] }[];
      tool: unknown;
      automationDetails: unknown;
    };
    const fromAction = (
      JSON.parse(readFileSync(action.outputs['sarif-file']!, 'utf8')) as { runs: Run[] }
    ).runs[0]!;
    const fromCli = (JSON.parse(cli('sarif')) as { runs: Run[] }).runs[0]!;
    expect(fromCli.results).toEqual(fromAction.results);
    expect(fromCli.tool).toEqual(fromAction.tool);
    expect(fromCli.automationDetails).toEqual(fromAction.automationDetails);
    expect(fromCli.results.filter((r) => r.suppressions).map((r) => r.ruleId)).toEqual(['EG202']);
    expect(fromCli.results.map((r) => r.ruleId)).not.toContain('EG501');

    // The same comment, but for the links, which need a pull request.
    const withoutLinks = (markdown: string) =>
      markdown
        // The run (commit, link, time) is only known to the action.
        .replace(/^<sub>commit .*\n\n/m, '')
        .replace(/\[([^\]]*)\]\(https:\/\/github\.com\/acme\/shop\/blob\/[^)]*\)/g, '`$1`')
        .replace(/\\:/g, ':');
    expect(cli('markdown')).toBe(withoutLinks(action.summary));
  });
});
