/**
 * The action against inputs a repository can plant (issue 16, items 1 and 3): a committed
 * Dockerfile or config that is a symlink to /proc/self/environ (where the runner puts the token,
 * as INPUT_GITHUB-TOKEN), a symlink out of the workspace, an archive that is a FIFO. Each fails
 * the step with one message; the token is masked first and printed nowhere.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleAction, commands, FIXTURES, runAction, type ActionRun } from './run-action.js';

const TOKEN = `ghs_${'Qv4'.repeat(12)}`;
const ARCHIVE = path.resolve('examples/go-service.oci.tar');
let bundleDir = '';

beforeAll(() => {
  bundleDir = bundleAction();
});

afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
});

function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-hostile-ws-'));
  copyFileSync('examples/go-service/Dockerfile', path.join(dir, 'Dockerfile.good'));
  return dir;
}

function run(ws: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    bundleDir,
    workspace: ws,
    // Nothing here reaches the API: every run fails on its inputs first.
    apiUrl: 'http://127.0.0.1:9',
    eventName: 'pull_request',
    eventFile: path.join(FIXTURES, 'pull_request.json'),
    inputs: { 'github-token': TOKEN, 'image-archive': ARCHIVE, ...inputs },
  });
}

function failure(result: ActionRun): string[] {
  return commands(result.stdout, 'error').map((c) => c.message);
}

describe('inputs a repository can plant', () => {
  it.each([
    [
      'a Dockerfile linked to /proc/self/environ',
      (ws: string) => symlinkSync('/proc/self/environ', path.join(ws, 'Dockerfile')),
      {},
      "exit139-guard: input 'dockerfile' Dockerfile: is a symbolic link to a path outside the workspace",
    ],
    [
      'a config linked to /proc/self/environ',
      (ws: string) => symlinkSync('/proc/self/environ', path.join(ws, 'guard.yml')),
      { dockerfile: 'Dockerfile.good', config: 'guard.yml' },
      'exit139-guard: the config file guard.yml: is a symbolic link to a path outside the workspace',
    ],
    [
      'an archive linked out of the workspace',
      (ws: string) => symlinkSync('/etc/passwd', path.join(ws, 'image.tar')),
      { dockerfile: 'Dockerfile.good', 'image-archive': 'image.tar' },
      "exit139-guard: input 'image-archive' image.tar: is a symbolic link to a path outside the workspace and the runner's temp folder",
    ],
    [
      'an archive that is a FIFO',
      (ws: string) => execFileSync('mkfifo', [path.join(ws, 'image.tar')]),
      { dockerfile: 'Dockerfile.good', 'image-archive': 'image.tar' },
      "exit139-guard: input 'image-archive' image.tar: is a FIFO (named pipe), not a regular file or a folder",
    ],
  ])('%s: one error, the token masked and never printed', async (_, plant, inputs, message) => {
    const ws = workspace();
    plant(ws);
    const result = await run(ws, inputs);
    expect(failure(result)).toEqual([message]);
    expect(result.code).toBe(2);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`::add-mask::${TOKEN}`);
    expect(lines[1]).toBe(`::add-mask::${TOKEN.toUpperCase()}`);
    const rest = lines.slice(2).join('\n') + result.stderr;
    expect(rest.toUpperCase()).not.toContain(TOKEN.toUpperCase());
    rmSync(ws, { recursive: true, force: true });
  });
});

describe('where the action writes its report', () => {
  it('never through a link the repository planted at the SARIF path', async () => {
    const ws = workspace();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'e139-victim-'));
    const victim = path.join(outside, 'config.json');
    writeFileSync(victim, 'keep');
    symlinkSync(victim, path.join(ws, 'exit139-guard.sarif'));
    const result = await run(ws, { dockerfile: 'Dockerfile.good', comment: 'never' });
    expect(failure(result)).toEqual([
      `exit139-guard: input 'sarif-file': cannot write ${path.join(ws, 'exit139-guard.sarif')}: it is a symbolic link (the report is never written through one)`,
    ]);
    expect(result.code).toBe(2);
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    rmSync(ws, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('never into a folder linked out of the workspace', async () => {
    const ws = workspace();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'e139-victim-'));
    symlinkSync(outside, path.join(ws, 'reports'));
    const result = await run(ws, {
      dockerfile: 'Dockerfile.good',
      comment: 'never',
      'sarif-file': 'reports/guard.sarif',
    });
    expect(failure(result)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^exit139-guard: input 'sarif-file': cannot write ${path.join(ws, 'reports/guard.sarif')}: ${path.join(ws, 'reports')} is a symbolic link to a path outside the workspace`,
        ),
      ),
    ]);
    expect(readdirSync(outside)).toEqual([]);
    rmSync(ws, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('never into a file a hard link shares with one outside: the name gets a new file', async () => {
    const ws = workspace();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'e139-victim-'));
    const victim = path.join(outside, 'secret.txt');
    writeFileSync(victim, 'keep');
    linkSync(victim, path.join(ws, 'exit139-guard.sarif'));
    const result = await run(ws, { dockerfile: 'Dockerfile.good', comment: 'never' });
    expect(result.code).toBe(1);
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(readFileSync(path.join(ws, 'exit139-guard.sarif'), 'utf8')).toContain('"version"');
    rmSync(ws, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('writes neither report when the place of one is refused', async () => {
    const ws = workspace();
    symlinkSync('/nonexistent/config.json', path.join(ws, 'exit139-guard.json'));
    const result = await run(ws, { dockerfile: 'Dockerfile.good', comment: 'never' });
    expect(failure(result)).toEqual([
      `exit139-guard: input 'sarif-file': cannot write ${path.join(ws, 'exit139-guard.json')}: it is a symbolic link (the report is never written through one)`,
    ]);
    expect(readdirSync(ws).sort()).toEqual(['Dockerfile.good', 'exit139-guard.json']);
    rmSync(ws, { recursive: true, force: true });
  });

  it('refuses a sarif-file that names a folder', async () => {
    const ws = workspace();
    const result = await run(ws, { dockerfile: 'Dockerfile.good', 'sarif-file': 'reports/' });
    expect(failure(result)).toEqual([
      "exit139-guard: input 'sarif-file': reports/ names a folder; give a file name, e.g. reports/exit139-guard.sarif",
    ]);
    rmSync(ws, { recursive: true, force: true });
  });

  it('where the workflow names a folder outside plainly (a temp folder)', async () => {
    const ws = workspace();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'e139-out-'));
    const result = await run(ws, {
      dockerfile: 'Dockerfile.good',
      comment: 'never',
      'sarif-file': path.join(outside, 'guard.sarif'),
    });
    // It scans and fails on the demo's error, as without the input: nothing refused.
    expect(result.code).toBe(1);
    expect(failure(result).at(-1)).toBe(
      'exit139-guard: 1 error(s), 0 warning(s), 1 note(s); failing at fail-on: error',
    );
    expect(readdirSync(outside).sort()).toEqual(['guard.json', 'guard.sarif']);
    rmSync(ws, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
});
