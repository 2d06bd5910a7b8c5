/**
 * The action as a pull-request check people keep switched on, run as the runner runs it (the
 * bundle under node, inputs from the environment) against the fake GitHub API that validates
 * every request with GitHub's OpenAPI description: quiet when only notes are found, only what
 * the pull request changed with a baseline, several images and platforms in one comment, a
 * rootfs folder on its own platform, and the fork workflow's comment from a saved report.
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inActionTerms } from '../../src/action.js';
import { validateSarif } from '../report/sarif-validator.js';
import { dockerHost, engine, ensureBaseImages } from '../support/engine.js';
import { buildScenario, SCENARIO_DIR } from '../support/scenarios.js';
import { FakeGitHub } from './github-api.js';
import { writeDemoRootfs, writeTwoPlatformIndex } from './images.js';
import { bundleAction, commands, runOnEvent, type ActionRun } from './run-action.js';

const DEMO = path.resolve('examples/go-service');
const BROKEN_ARCHIVE = path.resolve('examples/go-service.oci.tar');
const FIXED_ARCHIVE = path.resolve('examples/go-service-fixed.oci.tar');
const TOKEN = `ghs_${'Qw7'.repeat(12)}`;

let bundleDir = '';
let api: FakeGitHub | null = null;

beforeAll(() => {
  bundleDir = bundleAction();
});

afterEach(async () => {
  await api?.stop();
  api = null;
});

async function startApi(): Promise<FakeGitHub> {
  api = new FakeGitHub({ owner: 'acme', repo: 'shop', readOnly: false });
  await api.start();
  return api;
}

/** A checkout of the demo repository: Dockerfile (broken) and Dockerfile.fixed. */
function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-prcheck-'));
  copyFileSync(path.join(DEMO, 'Dockerfile'), path.join(dir, 'Dockerfile'));
  copyFileSync(path.join(DEMO, 'Dockerfile.fixed'), path.join(dir, 'Dockerfile.fixed'));
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

const operations = (github: FakeGitHub) =>
  github.requests.map((r) => `${r.method} ${r.operationId}`);

describe('quiet by default', () => {
  it('posts no comment when the scan finds only notes, and says why', async () => {
    const github = await startApi();
    const ws = workspace();
    const result = await run(ws, github, {
      'image-archive': FIXED_ARCHIVE,
      dockerfile: 'Dockerfile.fixed',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ result: 'pass', errors: '0', warnings: '0' });
    expect(Number(result.outputs.findings)).toBeGreaterThan(0);
    // It looks for an earlier comment to update, finds none, and creates none.
    expect(operations(github)).toEqual(['GET issues/list-comments']);
    expect(github.comments).toEqual([]);
    expect(commands(result.stdout, 'notice').map((n) => n.message)).toContain(
      'exit139-guard: nothing to report at or above the comment level and no earlier comment to update: no comment needed.',
    );
    // The notes are in the job summary.
    expect(result.summary).toContain('| ℹ️ note | [EG403]');
  });

  it('with comment: always, posts the passing comment with the notes counted in one line', async () => {
    const github = await startApi();
    const ws = workspace();
    const result = await run(ws, github, {
      'image-archive': FIXED_ARCHIVE,
      dockerfile: 'Dockerfile.fixed',
      comment: 'always',
    });
    expect(result.code).toBe(0);
    const body = github.comments[0]!.body;
    expect(body).toMatch(
      /^<!-- exit139-guard:sticky:[0-9a-f]{16} -->\n### ✅ exit139-guard: passing\n/,
    );
    expect(body).toContain(
      '<sub>commit [`6dcb09b`](https://github.com/acme/shop/commit/6dcb09b5b57875f334f61aebed695e2e4193db5e) · [workflow run](https://github.com/acme/shop/actions/runs/7001) · ',
    );
    expect(body).toContain('1 note (EG403) is not listed here');
    expect(body).not.toContain('| Level |');
    // The image as the user gave it, never the runner's path.
    expect(body).not.toContain(ws);
  });
});

describe('only what the pull request changed', () => {
  it('hides findings already on the base branch, and gates on new ones', async () => {
    const github = await startApi();
    const ws = workspace();

    // The push build of the base branch keeps its JSON report (an artifact in a workflow). Its
    // Dockerfile has two more lines at the top: fingerprints do not depend on line numbers.
    const base = workspace();
    const moved = readFileSync(path.join(base, 'Dockerfile'), 'utf8');
    writeFileSync(path.join(base, 'Dockerfile'), `# syntax=docker/dockerfile:1\n# base\n${moved}`);
    const push = await run(base, github, { 'image-archive': BROKEN_ARCHIVE }, 'push.json');
    expect(push.code).toBe(1);
    copyFileSync(path.join(base, 'exit139-guard.json'), path.join(ws, 'base-broken.json'));
    const fixedPush = await run(
      base,
      github,
      { 'image-archive': FIXED_ARCHIVE, dockerfile: 'Dockerfile' },
      'push.json',
    );
    copyFileSync(path.join(base, 'exit139-guard.sarif'), path.join(ws, 'base-fixed.sarif'));
    expect(fixedPush.code).toBe(0);

    // The pull request changes nothing about the image: everything is already present.
    const same = await run(ws, github, {
      'image-archive': BROKEN_ARCHIVE,
      baseline: 'base-broken.json',
    });
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    expect(same.outputs).toMatchObject({ result: 'pass', errors: '1', 'new-findings': '0' });
    expect(github.comments).toEqual([]);
    expect(same.summary).toContain('2 findings already present on the base branch (not gating)');
    expect(same.stdout).toContain(
      'exit139-guard: 1 error(s), 0 warning(s), 1 note(s), 2 already present on the base branch; pass at fail-on: error',
    );

    // Against the fixed base (a SARIF baseline), the cgo build is new: it gates and is listed.
    const regress = await run(ws, github, {
      'image-archive': BROKEN_ARCHIVE,
      baseline: 'base-fixed.sarif',
    });
    expect(regress.code).toBe(1);
    expect(regress.outputs).toMatchObject({ result: 'fail', 'new-findings': '1' });
    const body = github.comments[0]!.body;
    expect(body).toContain('**1 new error, 0 new warnings, 0 new notes** (1 already present)');
    expect(body).toContain('| 🛑 error | [EG202]');
    expect(body).toContain('1 finding already present on the base branch (not gating)');
    // SARIF's own baselineState, valid for the multitool and GitHub's ingestion rules.
    const sarifFile = path.join(ws, 'exit139-guard.sarif');
    expect(validateSarif(sarifFile, 'Gh')).toEqual([]);
    const results = (
      JSON.parse(readFileSync(sarifFile, 'utf8')) as {
        runs: { results: { ruleId: string; baselineState: string }[] }[];
      }
    ).runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.baselineState]).sort()).toEqual([
      ['EG202', 'new'],
      ['EG403', 'unchanged'],
    ]);
    const json = JSON.parse(readFileSync(path.join(ws, 'exit139-guard.json'), 'utf8')) as {
      findings: { ruleId: string; path: string; baselineState: string }[];
    };
    expect(json.findings.map((f) => [f.ruleId, f.path, f.baselineState]).sort()).toEqual([
      ['EG202', '/server', 'new'],
      ['EG403', '/server', 'unchanged'],
    ]);

    // fail-on-new-only: false gates on everything again.
    const all = await run(ws, github, {
      'image-archive': BROKEN_ARCHIVE,
      baseline: 'base-broken.json',
      'fail-on-new-only': 'false',
    });
    expect(all.code).toBe(1);
  });
});

describe('many images in one step', () => {
  it('gives one comment with a section per image and platform, one SARIF run per image', async () => {
    const github = await startApi();
    const ws = workspace();
    copyFileSync(FIXED_ARCHIVE, path.join(ws, 'go-service-fixed.oci.tar'));
    await writeTwoPlatformIndex(ws, BROKEN_ARCHIVE);
    const result = await run(ws, github, {
      images: [
        'go-service-fixed.oci.tar dockerfile=Dockerfile.fixed',
        'multi dockerfile=Dockerfile platform=all',
      ].join('\n'),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ result: 'fail', errors: '1' });
    expect(github.problems).toEqual([]);
    expect(github.comments).toHaveLength(1);
    const body = github.comments[0]!.body;
    expect(body).toContain('### ❌ exit139-guard: an image will fail on start');
    expect(body.match(/^#### .*$/gm)).toEqual([
      '#### `go-service-fixed.oci.tar` (linux/amd64)',
      '#### `multi` (linux/amd64)',
      '#### `multi` (linux/arm64/v8)',
    ]);
    const sections = body.split(/^#### /m);
    expect(sections[2]).toContain('| 🛑 error | [EG202]');
    expect(sections[1]).not.toContain('| 🛑');
    // The arm64 image lacks the ENTRYPOINT's /server: counted as a note, below the comment level.
    expect(sections[3]).not.toContain('| Level |');
    expect(sections[3]).toContain('1 note (EG301) is not listed here');

    const sarif = JSON.parse(readFileSync(path.join(ws, 'exit139-guard.sarif'), 'utf8')) as {
      runs: { automationDetails: { id: string }; results: { ruleId: string; level: string }[] }[];
    };
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual([
      'exit139-guard/Dockerfile.fixed/-/linux/amd64/',
      'exit139-guard/Dockerfile/-/linux/amd64/',
      'exit139-guard/Dockerfile/-/linux/arm64/v8/',
    ]);
    expect(sarif.runs[1]!.results.filter((r) => r.level === 'error').map((r) => r.ruleId)).toEqual([
      'EG202',
    ]);
    const json = JSON.parse(readFileSync(path.join(ws, 'exit139-guard.json'), 'utf8')) as {
      reports: { image: { ref: string; platform: string } }[];
    };
    expect(json.reports.map((r) => `${r.image.ref} ${r.image.platform}`)).toEqual([
      'go-service-fixed.oci.tar linux/amd64',
      'multi linux/amd64',
      'multi linux/arm64/v8',
    ]);
  });
});

describe('many images on the command line', () => {
  it('scans an --images file the way the action scans its images input', async () => {
    const ws = workspace();
    copyFileSync(BROKEN_ARCHIVE, path.join(ws, 'broken.oci.tar'));
    await writeTwoPlatformIndex(ws, BROKEN_ARCHIVE);
    writeFileSync(
      path.join(ws, 'images.txt'),
      '# one plain image and an index\nbroken.oci.tar dockerfile=Dockerfile\nmulti platform=all\n',
    );
    const cli = (format: string) =>
      spawnSync(
        process.execPath,
        [path.join(bundleDir, 'cli.js'), 'scan', '--images', 'images.txt', '--format', format],
        { cwd: ws, encoding: 'utf8' },
      );
    const json = cli('json');
    expect(json.stderr).toBe('');
    expect(json.status).toBe(1);
    const reports = (
      JSON.parse(json.stdout) as { reports: { image: { ref: string; platform: string } }[] }
    ).reports;
    expect(reports.map((r) => `${r.image.ref} ${r.image.platform}`)).toEqual([
      'broken.oci.tar linux/amd64',
      'multi linux/amd64',
      'multi linux/arm64/v8',
    ]);
    const sarif = JSON.parse(cli('sarif').stdout) as {
      runs: { automationDetails: { id: string } }[];
    };
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual([
      'exit139-guard/Dockerfile/-/linux/amd64/',
      'exit139-guard/-/-/linux/amd64/',
      'exit139-guard/-/-/linux/arm64/v8/',
    ]);
    // A platform the single image does not have is refused, on the command line too.
    const wrong = spawnSync(
      process.execPath,
      [
        path.join(bundleDir, 'cli.js'),
        'scan',
        '--archive',
        'broken.oci.tar',
        '--platform',
        'linux/arm64',
      ],
      { cwd: ws, encoding: 'utf8' },
    );
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(
      'broken.oci.tar: has no image for platform linux/arm64; it has: linux/amd64',
    );
    writeFileSync(path.join(ws, 'bad.txt'), 'broken.oci.tar flavour=x\n');
    const bad = spawnSync(
      process.execPath,
      [path.join(bundleDir, 'cli.js'), 'scan', '--images', 'bad.txt'],
      { cwd: ws, encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      "bad.txt line 1: 'flavour=x' is not one of dockerfile=, target=, platform=, build-args=",
    );
  });
});

describe('inputs people get wrong', () => {
  it('scans a rootfs folder on the platform of its ELF files', async () => {
    const github = await startApi();
    const ws = workspace();
    await writeDemoRootfs(ws, BROKEN_ARCHIVE);
    const result = await run(ws, github, { 'image-archive': 'rootfs', comment: 'never' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.summary).toContain('in `rootfs` (linux/amd64), built from `Dockerfile`.');
    expect(result.summary).toContain('| 🛑 error | [EG202]');
    expect(result.summary).not.toContain('EG106');
  });

  it('fails on a platform that a single-platform image does not have, naming both', async () => {
    const github = await startApi();
    const ws = workspace();
    const result = await run(ws, github, {
      'image-archive': BROKEN_ARCHIVE,
      platform: 'linux/arm64',
    });
    expect(result.code).toBe(2);
    expect(commands(result.stdout, 'error').map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^exit139-guard: .*go-service\.oci\.tar: has no image for platform linux\/arm64; it has: linux\/amd64$/,
      ),
    ]);
  });

  it('names the action inputs where a message would name a command-line option', () => {
    expect(inActionTerms("--platform 'linux': expected OS/ARCH or OS/ARCH/VARIANT")).toBe(
      "input 'platform' 'linux': expected OS/ARCH or OS/ARCH/VARIANT",
    );
    expect(inActionTerms('line 4: FROM ${BASE} is empty unless a --build-arg sets it')).toBe(
      "line 4: FROM ${BASE} is empty unless a line of the input 'build-args' sets it",
    );
    // The Dockerfile's own FROM --platform is not an action input.
    expect(inActionTerms("Dockerfile:3: --platform 'x': expected OS/ARCH")).toBe(
      "Dockerfile:3: --platform 'x': expected OS/ARCH",
    );
  });

  it('says how to get a buildx image into the engine when the image is not there', async () => {
    if (!(await engine('the action asking for an image the engine lacks'))) return;
    const github = await startApi();
    const result = await run(workspace(), github, {
      image: 'acme/never-loaded:pr-42',
      'docker-host': dockerHost(),
    });
    expect(result.code).toBe(2);
    expect(commands(result.stdout, 'error').map((e) => e.message)).toEqual([
      `exit139-guard: image 'acme/never-loaded:pr-42' is not in the Docker Engine at ${dockerHost()}; ` +
        'built with buildx? add `load: true` (docker/build-push-action) or `--load` (docker buildx build), ' +
        "or scan its OCI output with the input 'image-archive'",
    ]);
  });

  it('switches rules off without a config file', async () => {
    const github = await startApi();
    const ws = workspace();
    const result = await run(ws, github, {
      'image-archive': BROKEN_ARCHIVE,
      'ignore-rules': 'EG202, EG501',
      'min-level': 'warning',
      comment: 'never',
      summary: 'false',
    });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ findings: '0', result: 'pass' });
    expect(result.summary).toBe('');
  });

  it('checks the kernel minimum from the input or the config (EG107)', async () => {
    const github = await startApi();
    const ws = workspace();
    // This machine's Debian 12 glibc carries NT_GNU_ABI_TAG Linux 3.2.0 (see rules/kernel-minimum).
    const lib = path.join(ws, 'kroot', 'usr/lib/x86_64-linux-gnu');
    mkdirSync(lib, { recursive: true });
    copyFileSync('/lib/x86_64-linux-gnu/libc.so.6', path.join(lib, 'libc.so.6'));
    const eg107 = (result: ActionRun) =>
      commands(result.stdout, 'warning')
        .map((w) => w.message)
        .filter((m) => m.includes('needs Linux 3.2.0 or newer'));
    const input = await run(ws, github, {
      'image-archive': 'kroot',
      'kernel-minimum': '3.1',
      comment: 'never',
    });
    expect(input.summary).toContain('in `kroot` (linux/amd64)');
    expect(eg107(input)).toEqual([
      expect.stringContaining(
        '/usr/lib/x86_64-linux-gnu/libc.so.6 needs Linux 3.2.0 or newer; the configured minimum is 3.1',
      ),
    ]);
    writeFileSync(path.join(ws, '.exit139-guard.yml'), 'nodes:\n  kernel-minimum: "3.1"\n');
    const config = await run(ws, github, { 'image-archive': 'kroot', comment: 'never' });
    expect(eg107(config)).toHaveLength(1);
    const met = await run(ws, github, {
      'image-archive': 'kroot',
      'kernel-minimum': '3.2.0',
      comment: 'never',
    });
    expect(eg107(met)).toEqual([]);
  });
});

describe('the fix as lines of the Dockerfile the user wrote', () => {
  it('copies the loader and libraries a scratch image lacks from the stage that built the program', async () => {
    if (!(await engine('the action writing COPY --from lines from the builder stage'))) return;
    await ensureBaseImages(['goBuilder']);
    const tag = await buildScenario('library-closure-scratch');
    const github = await startApi();
    const ws = workspace();
    copyFileSync(
      path.join(SCENARIO_DIR, 'library-closure-scratch.Dockerfile'),
      path.join(ws, 'Dockerfile'),
    );
    const result = await run(ws, github, { image: tag, 'docker-host': dockerHost() });
    expect(result.code).toBe(1);
    const body = github.comments[0]!.body;
    const lib = '/lib/x86_64-linux-gnu';
    expect(body).toContain(
      [
        '**Fix** in your Dockerfile',
        '',
        '```diff',
        '@@ Dockerfile:11 @@',
        '-COPY --from=build /out/app /app',
        '+COPY --from=build /out/app /app',
        '+COPY --from=build /lib64/ld-linux-x86-64.so.2 /lib64/',
        ...['libmpc.so.3', 'libc.so.6', 'libmpfr.so.6', 'libgmp.so.10', 'libm.so.6'].map(
          (name) => `+COPY --from=build ${lib}/${name} ${lib}/`,
        ),
        '```',
      ].join('\n'),
    );
  }, 300_000);
});

describe('the fork workflow', () => {
  it('posts the comment of a saved report from a workflow_run job, on the pull request it names', async () => {
    const github = await startApi();
    const ws = workspace();
    // The pull_request job (read-only token) saves its report as an artifact.
    const scan = await run(ws, github, { 'image-archive': BROKEN_ARCHIVE, comment: 'never' });
    expect(scan.code).toBe(1);
    const artifact = mkdtempSync(path.join(os.tmpdir(), 'e139-artifact-'));
    copyFileSync(path.join(ws, 'exit139-guard.json'), path.join(artifact, 'report.json'));
    // The workflow_run job downloads it and posts it, scanning nothing.
    const post = await run(artifact, github, { 'from-report': 'report.json' }, 'push.json');
    expect(post.stderr).toBe('');
    expect(post.code).toBe(0);
    expect(operations(github)).toEqual(['GET issues/list-comments', 'POST issues/create-comment']);
    expect(github.problems).toEqual([]);
    expect(github.comments[0]!.body).toContain('| 🛑 error | [EG202]');
    expect(github.comments[0]!.body).toContain(
      '### ❌ exit139-guard: this image will fail on start',
    );
    // A tampered report is refused, not rendered.
    writeFileSync(path.join(artifact, 'bad.json'), JSON.stringify({ version: 1, findings: 'x' }));
    const bad = await run(artifact, github, { 'from-report': 'bad.json' }, 'push.json');
    expect(bad.code).toBe(2);
    expect(commands(bad.stdout, 'error')[0]!.message).toMatch(
      /input 'from-report': .*bad\.json: not an exit139-guard JSON report \(version 1\)$/,
    );
  });
});
