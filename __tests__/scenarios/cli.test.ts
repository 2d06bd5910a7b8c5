import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';
import { dockerBuild, engine, ensureBaseImages, saveImage } from '../support/engine.js';

const CONTEXT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

describe('exit139-guard scan', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'scan-cli-'));
  const archives: Record<string, string> = {};
  let ready = false;

  beforeAll(async () => {
    if (!(await engine('scan command line'))) return;
    await ensureBaseImages(['goBuilder', 'distrolessStatic']);
    for (const name of ['cgo-scratch', 'roots-scratch', 'entrypoint-not-executable']) {
      const tag = `exit139-guard-scenario/${name}:test`;
      await dockerBuild(CONTEXT, { tag, dockerfile: `${name}.Dockerfile` });
      archives[name] = path.join(work, `${name}.tar`);
      await saveImage(tag, archives[name]);
    }
    ready = true;
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints the JSON contract and exits 1 for an image that will not start', async () => {
    if (!ready) return;
    const dockerfile = path.join(CONTEXT, 'cgo-scratch.Dockerfile');
    const result = await cli([
      'scan',
      '--archive',
      archives['cgo-scratch'],
      '--dockerfile',
      dockerfile,
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(['version', 'image', 'dockerfile', 'findings', 'summary']);
    expect(report.version).toBe(1);
    expect(report.image).toMatchObject({ ref: archives['cgo-scratch'], platform: 'linux/amd64' });
    expect(report.image.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const error = report.findings.find((f: { level: string }) => f.level === 'error');
    expect(error).toMatchObject({
      ruleId: 'EG202',
      level: 'error',
      path: '/app',
      dockerfile: {
        path: dockerfile,
        startLine: 10,
        endLine: 10,
        role: 'placed',
        instruction: 'COPY --from=build /out/app /app',
      },
    });
    expect(
      error.related.map((r: { role: string; startLine: number }) => [r.role, r.startLine]),
    ).toEqual([
      ['built', 7],
      ['from', 9],
    ]);
    expect(error.evidence).toContain('PT_INTERP /lib64/ld-linux-x86-64.so.2');
    // A scratch image with one file: the Go binary.
    expect(report.summary).toMatchObject({ errors: 1, files: 1, elfFiles: 1 });
    expect(readFileSync(dockerfile, 'utf8').split('\n')[9]).toBe('COPY --from=build /out/app /app');
  });

  it('blames ENTRYPOINT first and USER beside it when the user may not execute the entrypoint', async () => {
    if (!ready) return;
    const dockerfile = path.join(CONTEXT, 'entrypoint-not-executable.Dockerfile');
    const result = await cli([
      'scan',
      '--archive',
      archives['entrypoint-not-executable'],
      '--dockerfile',
      dockerfile,
      '--format',
      'json',
    ]);
    expect(result.status).toBe(1);
    const lines = readFileSync(dockerfile, 'utf8').split('\n');
    const error = JSON.parse(result.stdout).findings.find(
      (f: { ruleId: string }) => f.ruleId === 'EG302',
    );
    expect(error.dockerfile).toMatchObject({
      role: 'entrypoint',
      startLine: 12,
      instruction: lines[11],
    });
    expect(error.related).toEqual([
      expect.objectContaining({ role: 'user', startLine: 11, instruction: lines[10] }),
    ]);
    expect(error.evidence).toEqual([
      '/app: mode 0700, owner 0:0',
      'USER nonroot (uid 65532, gid 65532)',
      'command: ["/app"]',
    ]);
  });

  it('passes a warning under --fail-on error and fails it under --fail-on warning', async () => {
    if (!ready) return;
    const base = ['scan', '--archive', archives['roots-scratch']];
    const text = await cli(base);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(
      'warning EG401 ca-certificates-missing: /app verifies TLS certificates',
    );
    expect(text.stdout).toContain('on start: ');
    expect((await cli([...base, '--fail-on', 'warning'])).status).toBe(1);
    expect((await cli([...base, '--fail-on', 'never'])).status).toBe(0);
  });

  it('exits 2 with one line for bad usage and unreadable input', async () => {
    const noSource = await cli(['scan']);
    expect(noSource.status).toBe(2);
    expect(noSource.stderr).toContain(
      'give exactly one of --image REF, --archive PATH or --remote REF',
    );
    const badLevel = await cli(['scan', '--archive', '/x', '--fail-on', 'fatal']);
    expect(badLevel.status).toBe(2);
    expect(badLevel.stderr).toContain(
      "--fail-on must be one of error, warning, note, never, not 'fatal'",
    );
    const missing = await cli(['scan', '--archive', path.join(work, 'nothing-here.tar')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.split('\n').filter((l) => l).length).toBe(1);
    expect(missing.stderr).toContain('nothing-here.tar');
  });
});
