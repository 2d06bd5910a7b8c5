// runContainer must tell a process that ran and failed from one the engine could not start:
// the other suites assert on these engine errors, so they are checked here against the engine.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import {
  dockerBuild,
  engine,
  exportContainerFs,
  runContainer,
  saveImage,
} from '../support/engine.js';

const TAG = 'exit139-guard-test/run-container:latest';
let docker: Docker | null = null;
let workDir = '';

beforeAll(async () => {
  docker = await engine('runContainer against the engine');
  if (!docker) return;
  workDir = mkdtempSync(path.join(tmpdir(), 'exit139-guard-run-'));
  // A static busybox, a dynamic binary whose loader is absent, and an ELF header with no body.
  copyFileSync('/bin/busybox', path.join(workDir, 'busybox'));
  copyFileSync('/bin/true', path.join(workDir, 'dynamic'));
  writeFileSync(
    path.join(workDir, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nCOPY dynamic /dynamic\n',
  );
  await dockerBuild(workDir, { tag: TAG });
}, 120_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('runContainer', () => {
  it('returns the output and exit code of a process that ran', async () => {
    if (!docker) return;
    const result = await runContainer(TAG, {
      cmd: ['/bin/busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'],
    });
    expect(result).toEqual({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      engineError: null,
      timedOut: false,
    });
  });

  it('reports a missing ELF interpreter as the engine prints it', async () => {
    if (!docker) return;
    const result = await runContainer(TAG, { cmd: ['/dynamic'] });
    expect(result.engineError).toBe('exec /dynamic: no such file or directory');
    expect(result.exitCode).toBe(1);
  });

  it('reports a command absent from the image as a daemon error', async () => {
    if (!docker) return;
    const result = await runContainer(TAG, { entrypoint: ['sh'] });
    expect(result.engineError).toContain('exec: "sh": executable file not found in $PATH');
    expect(result.exitCode).toBe(127);
  });

  it('runs as the given user with no network interface but loopback', async () => {
    if (!docker) return;
    const result = await runContainer(TAG, {
      entrypoint: ['/bin/busybox'],
      cmd: ['sh', '-c', 'id -u; ls /sys/class/net'],
      user: '65532',
    });
    expect(result.stdout).toBe('65532\nlo\n');
  });

  it('kills a container that outlives its timeout', async () => {
    if (!docker) return;
    const result = await runContainer(TAG, {
      cmd: ['/bin/busybox', 'sleep', '60'],
      timeoutMs: 2_000,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(137);
  });
});

describe('saveImage and exportContainerFs', () => {
  it('writes the image archive and the merged filesystem as tar files', async () => {
    if (!docker) return;
    const saved = path.join(workDir, 'saved.tar');
    const exported = path.join(workDir, 'exported.tar');
    await saveImage(TAG, saved);
    await exportContainerFs(TAG, exported);
    const savedEntries = execFileSync('tar', ['-tf', saved], { encoding: 'utf8' }).split('\n');
    expect(savedEntries).toContain('manifest.json');
    const exportedEntries = execFileSync('tar', ['-tf', exported], { encoding: 'utf8' }).split(
      '\n',
    );
    expect(exportedEntries).toEqual(expect.arrayContaining(['bin/busybox', 'dynamic']));
  });
});
