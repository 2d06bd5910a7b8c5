import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { CONFIRM_LABEL, LIMITS, removeLeftovers } from '../../src/confirm/container.js';
import type { ScanReport } from '../../src/findings.js';
import { formatJson } from '../../src/report/json.js';
import { scan } from '../../src/scan.js';
import { BASE, dockerBuild, dockerHost, engine, ensureBaseImages } from '../support/engine.js';

/**
 * Entrypoints that misbehave once started, each in a small image built from the factory's
 * alpine-like base: `scan --confirm` must take bounded time, keep bounded and escaped output,
 * never call the program's own exit an error, and leave no container behind.
 */
const TIMEOUT_MS = 2000;

const IMAGES: Record<string, string[]> = {
  daemon: ['sh', '-c', 'sleep 600 & echo daemon started'],
  forever: ['sleep', '100000'],
  // dd allocates (and fills) one 512 MiB buffer: twice the confirmation's memory limit.
  memory: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=512M', 'count=1'],
  flood: ['sh', '-c', 'yes "flooding stderr with one long line of text" >&2'],
  control: [
    'sh',
    '-c',
    "printf 'config \\033[31mmissing\\033]0;title\\007 \\001 end\\n' >&2; exit 3",
  ],
  // PID 1 ignores signals it has no handler for: the crash happens in a child (not exec'd:
  // the trailing commands stop busybox sh from replacing itself), whose status sh returns.
  segv: ['sh', '-c', "sh -c 'kill -SEGV $$; true'; exit $?"],
};

let docker: Docker | null = null;
const reports = new Map<string, { report: ScanReport; ms: number }>();
const tag = (name: string) => `exit139-guard-confirm/${name}:test`;

async function confirmLeftovers(client: Docker): Promise<number> {
  const list = await client.listContainers({ all: true, filters: { label: [CONFIRM_LABEL] } });
  return list.length;
}

beforeAll(async () => {
  docker = await engine('confirm: misbehaving entrypoints');
  if (!docker) return;
  await ensureBaseImages(['alpineLike']);
  const dir = mkdtempSync(path.join(tmpdir(), 'confirm-bad-'));
  try {
    for (const [name, entrypoint] of Object.entries(IMAGES)) {
      writeFileSync(
        path.join(dir, `${name}.Dockerfile`),
        `FROM ${BASE.alpineLike}\nVOLUME /data\nENTRYPOINT ${JSON.stringify(entrypoint)}\n`,
      );
      await dockerBuild(dir, { tag: tag(name), dockerfile: `${name}.Dockerfile` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const volumesBefore = (await docker.listVolumes()).Volumes?.length ?? 0;
  for (const name of Object.keys(IMAGES)) {
    const started = Date.now();
    const report = await scan({
      source: { kind: 'engine', ref: tag(name), dockerHost: dockerHost() },
      confirm: { scope: 'findings', timeoutMs: TIMEOUT_MS },
    });
    reports.set(name, { report, ms: Date.now() - started });
  }
  expect((await docker.listVolumes()).Volumes?.length ?? 0).toBe(volumesBefore);
}, 300_000);

afterAll(async () => {
  if (docker) expect(await confirmLeftovers(docker)).toBe(0);
});

function get(name: string): { report: ScanReport; ms: number } {
  const got = reports.get(name);
  expect(got).toBeDefined();
  return got as { report: ScanReport; ms: number };
}

const errors = (report: ScanReport) => report.findings.filter((f) => f.level === 'error');

describe('scan --confirm with an entrypoint that misbehaves', () => {
  it('a program that forks a daemon and exits 0 has started', () => {
    if (!docker) return;
    const { report } = get('daemon');
    expect(report.confirmation?.entrypoint).toMatchObject({
      status: 'confirmed',
      outcome: 'started',
      exitCode: 0,
    });
    expect(errors(report)).toEqual([]);
  });

  it('a program that sleeps forever has started when the time limit ends it', () => {
    if (!docker) return;
    const { report, ms } = get('forever');
    expect(report.confirmation?.entrypoint).toMatchObject({
      status: 'confirmed',
      outcome: 'started',
      exitCode: null,
    });
    expect(ms).toBeLessThan(TIMEOUT_MS + 15_000);
    expect(errors(report)).toEqual([]);
  });

  it('a program that fills its memory is stopped by the limit and is not an error', () => {
    if (!docker) return;
    const { report } = get('memory');
    expect(report.confirmation?.entrypoint).toMatchObject({
      status: 'inconclusive',
      outcome: 'limited',
      exitCode: 137,
      signal: 'SIGKILL',
    });
    expect(
      report.findings.filter((f) => f.ruleId === 'EG703').map((f) => [f.level, f.message]),
    ).toEqual([
      ['note', "The entrypoint started and was stopped by the confirmation's memory limit"],
    ]);
    expect(errors(report)).toEqual([]);
  });

  it('a flood on stderr is read up to the limit, ten lines shown', () => {
    if (!docker) return;
    const { report } = get('flood');
    const entry = report.confirmation!.entrypoint;
    expect(entry.outcome).toBe('started');
    expect(entry.stderr).toHaveLength(10);
    expect(entry.stderr[0]).toBe('flooding stderr with one long line of text');
    expect(formatJson(report).length).toBeLessThan(LIMITS.outputBytes);
  });

  it('control characters are escaped, and a program exiting with its own error is a note', () => {
    if (!docker) return;
    const { report } = get('control');
    const shown = 'config \\x1b[31mmissing\\x1b]0;title\\x07 \\x01 end';
    expect(report.confirmation?.entrypoint).toMatchObject({
      status: 'confirmed',
      outcome: 'exited',
      exitCode: 3,
      runtimeError: shown,
    });
    expect(errors(report)).toEqual([]);
    expect(
      report.findings.filter((f) => f.ruleId === 'EG703').map((f) => [f.level, f.message]),
    ).toEqual([['note', `The entrypoint started, then exited with status 3: ${shown}`]]);
    // eslint-disable-next-line no-control-regex -- no raw control character may reach a report
    expect(formatJson(report)).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it('a crash by SIGSEGV that no rule predicted is an error of its own (EG701)', () => {
    if (!docker) return;
    const { report } = get('segv');
    expect(
      errors(report).map((f) => [
        f.ruleId,
        f.message,
        f.confirmation?.status,
        f.confirmation?.signal,
      ]),
    ).toEqual([
      [
        'EG701',
        'The entrypoint died on start in the engine: Segmentation fault',
        'confirmed',
        'SIGSEGV',
      ],
    ]);
    expect(report.confirmation?.entrypoint).toMatchObject({
      exitCode: 139,
      signal: 'SIGSEGV',
      outcome: 'crashed',
    });
  });

  it('the next run removes what an interrupted one left behind, and only what has expired', async () => {
    if (!docker) return;
    const now = Math.floor(Date.now() / 1000);
    const leftover = async (expires: number) => {
      const container = await docker!.createContainer({
        Image: tag('forever'),
        Labels: { [CONFIRM_LABEL]: String(expires) },
        HostConfig: { NetworkMode: 'none' },
      });
      await container.start();
      return container;
    };
    const interrupted = await leftover(now - 60);
    const running = await leftover(now + 600);
    try {
      await removeLeftovers(docker);
      await expect(interrupted.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await running.inspect()).State.Running).toBe(true);
    } finally {
      await running.remove({ force: true, v: true });
      await interrupted.remove({ force: true, v: true }).catch(() => undefined);
    }
  });
});
