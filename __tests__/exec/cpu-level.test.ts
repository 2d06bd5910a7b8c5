import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { InputError } from '../../src/errors.js';
import { readInputs } from '../../src/github/inputs.js';
import type { ScanReport } from '../../src/findings.js';
import { scan } from '../../src/scan.js';
import { engine, ensureBaseImages, runContainer } from '../support/engine.js';
import { reportSkip } from '../support/skip.js';
import { buildScenario, scenarioTag, scanScenario } from '../support/scenarios.js';

/**
 * EG111 against the truth of an older CPU: the scenario programs that need x86-64-v3 run here
 * (this machine is newer), so each is also run under QEMU's user-mode emulator with a CPU model
 * of level v2 (Nehalem), which is what an older node does: the Go runtime and glibc's loader
 * print their own refusal. The finding must foretell that line exactly.
 */
const QEMU = '/usr/bin/qemu-x86_64-static';
const V3_PROGRAMS = ['goamd64-v3', 'isa-needed-v3'];

let available = false;
let work: string;
const reports = new Map<string, ScanReport>();
const onV2 = new Map<string, string>();

beforeAll(async () => {
  if (!(await engine('x86-64 level truth'))) return;
  if (!existsSync(QEMU)) {
    reportSkip('x86-64 level truth', `${QEMU} missing (Debian package qemu-user-static)`);
    return;
  }
  available = true;
  await ensureBaseImages(['goBuilder', 'distrolessStatic', 'bookworm']);
  work = mkdtempSync(path.join(tmpdir(), 'x86-level-'));
  for (const name of [...V3_PROGRAMS, 'goamd64-v1']) {
    await buildScenario(name);
    reports.set(name, await scanScenario(name, work));
    const run = await runContainer(scenarioTag(name), {
      entrypoint: ['/qemu', '-cpu', 'Nehalem', '/app'],
      mounts: [`${QEMU}:/qemu:ro`],
    });
    onV2.set(name, `${run.exitCode}: ${run.stdout}${run.stderr}`);
  }
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a program that needs a newer x86-64 level than the nodes', () => {
  it.each(V3_PROGRAMS)('%s: a warning that foretells what a v2 CPU prints', (name) => {
    if (!available) return;
    const findings = (reports.get(name) as ScanReport).findings.filter((f) => f.ruleId === 'EG111');
    expect(findings.map((f) => [f.level, f.path, f.message])).toEqual([
      ['warning', '/app', '/app needs an x86-64-v3 CPU; the nodes are only known to be x86-64-v2'],
    ]);
    const printed = onV2.get(name) as string;
    expect(printed).toContain(findings[0]?.runtimeError as string);
  });

  it('the GOAMD64=v1 twin runs on the v2 CPU and has no finding', () => {
    if (!available) return;
    expect(onV2.get('goamd64-v1')).toBe('0: hello from a scenario image\n');
    expect(reports.get('goamd64-v1')?.findings.filter((f) => f.ruleId === 'EG111')).toEqual([]);
  });
});

describe('the configured minimum', () => {
  it('is read from the config (nodes.x86-64-level), checked with file:line:column', () => {
    expect(parseConfig('nodes:\n  x86-64-level: x86-64-v3\n', 'c.yml').x86Level).toBe('x86-64-v3');
    expect(() => parseConfig('nodes:\n  x86-64-level: v3\n', 'c.yml')).toThrow(
      "c.yml:2:17: 'nodes.x86-64-level' must be one of x86-64-v1, x86-64-v2, x86-64-v3, x86-64-v4, not 'v3'",
    );
  });

  it("is the action input 'x86-64-level', checked by name", () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'x86-input-'));
    try {
      const read = (values: Record<string, string>) => (n: string) => values[n] ?? '';
      expect(readInputs(ws, read({ image: 'app', 'x86-64-level': 'x86-64-v3' })).x86Level).toBe(
        'x86-64-v3',
      );
      expect(() => readInputs(ws, read({ image: 'app', 'x86-64-level': 'avx2' }))).toThrow(
        new InputError(
          "input 'x86-64-level' must be one of x86-64-v1, x86-64-v2, x86-64-v3, x86-64-v4, not 'avx2'",
        ),
      );
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('silences EG111 when the nodes are known to be new enough; a bad level fails first', async () => {
    if (!available) return;
    const archive = path.join(work, 'v3.tar');
    const { saveImage } = await import('../support/engine.js');
    await saveImage(scenarioTag('goamd64-v3'), archive);
    const atV3 = await scan({ source: { kind: 'archive', path: archive }, x86Level: 'x86-64-v3' });
    expect(atV3.findings.filter((f) => f.ruleId === 'EG111')).toEqual([]);
    await expect(
      scan({ source: { kind: 'archive', path: '/nonexistent' }, x86Level: 'x86-64-v5' }),
    ).rejects.toThrow("x86-64 level 'x86-64-v5': expected one of x86-64-v1");
  });
});
