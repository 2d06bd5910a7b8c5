/**
 * Runs the bundled action the way the runner does: `node <bundle>/index.js` with the inputs as
 * INPUT_<NAME> (hyphens kept, e.g. INPUT_FAIL-ON), the event payload file, the workspace and the
 * files the runner collects (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), and GITHUB_API_URL pointing at
 * a local fake of the API.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';

export const FIXTURES = path.resolve('__tests__/action/fixtures');
export const HEAD_SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
export const MERGE_SHA = 'e3bd1d0c2a1b4f00c0ffee5f4a0d1b2c3d4e5f60';

/** Bundles src/index.ts and src/cli.ts with the project's script into a fresh directory. */
export function bundleAction(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-bundle-'));
  execFileSync(process.execPath, ['scripts/bundle.mjs', dir], { stdio: 'pipe' });
  return dir;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface RunOptions {
  bundleDir: string;
  workspace: string;
  apiUrl: string;
  eventName: 'pull_request' | 'push';
  eventFile: string;
  inputs: Record<string, string>;
}

/** Parses the runner's output file: `name<<DELIMITER\nvalue\nDELIMITER` entries. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      outputs[name!] = value.join('\n');
    } else if (lines[i]!.includes('=')) {
      const eq = lines[i]!.indexOf('=');
      outputs[lines[i]!.slice(0, eq)] = lines[i]!.slice(eq + 1);
    }
  }
  return outputs;
}

/** The defaults action.yml gives to inputs that the workflow leaves out, read from action.yml. */
const ACTION_DEFAULTS: Record<string, string> = Object.fromEntries(
  Object.entries(
    (
      yaml.load(readFileSync('action.yml', 'utf8')) as {
        inputs: Record<string, { default?: string }>;
      }
    ).inputs,
  )
    // `${{ github.token }}` is an expression the runner evaluates; tests give their own token.
    .filter(([, input]) => input.default !== undefined && !input.default.includes('${{'))
    .map(([name, input]) => [name, input.default!]),
);

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const runnerDir = mkdtempSync(path.join(os.tmpdir(), 'e139-runner-'));
  const outputFile = path.join(runnerDir, 'output');
  const summaryFile = path.join(runnerDir, 'summary.md');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputs = { ...ACTION_DEFAULTS, ...options.inputs };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: options.eventFile,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: options.eventName === 'pull_request' ? MERGE_SHA : HEAD_SHA,
    GITHUB_REF: options.eventName === 'pull_request' ? 'refs/pull/42/merge' : 'refs/heads/main',
    GITHUB_WORKFLOW: 'images',
    GITHUB_JOB: 'scan',
    GITHUB_RUN_ID: '7001',
    GITHUB_RUN_NUMBER: '12',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_TEMP: runnerDir,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;

  const child = spawn(process.execPath, [path.join(options.bundleDir, 'index.js')], {
    cwd: options.workspace,
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
  };
}

/** The workflow-command lines of one kind (`error`, `warning`, `notice`), parsed. */
export function commands(
  stdout: string,
  kind: string,
): { properties: Record<string, string>; message: string }[] {
  const unescape = (text: string) =>
    text
      .replace(/%0D/g, '\r')
      .replace(/%0A/g, '\n')
      .replace(/%3A/g, ':')
      .replace(/%2C/g, ',')
      .replace(/%25/g, '%');
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${kind}`))
    .map((line) => {
      const match = /^::\w+(?: ([^:]*))?::(.*)$/.exec(line)!;
      const properties: Record<string, string> = {};
      for (const pair of (match[1] ?? '').split(',').filter(Boolean)) {
        const eq = pair.indexOf('=');
        properties[pair.slice(0, eq)] = unescape(pair.slice(eq + 1));
      }
      return { properties, message: unescape(match[2]!) };
    });
}

/**
 * The action on one of the event fixtures (`pull_request.json` by default, or `push.json`),
 * against the API at `apiUrl`, with `token` as its github-token and `inputs` over it.
 */
export function runOnEvent(options: {
  bundleDir: string;
  workspace: string;
  apiUrl: string;
  token: string;
  inputs: Record<string, string>;
  event?: string;
}): Promise<ActionRun> {
  const event = options.event ?? 'pull_request.json';
  return runAction({
    bundleDir: options.bundleDir,
    workspace: options.workspace,
    apiUrl: options.apiUrl,
    eventName: event === 'push.json' ? 'push' : 'pull_request',
    eventFile: path.join(FIXTURES, event),
    inputs: { 'github-token': options.token, ...options.inputs },
  });
}
