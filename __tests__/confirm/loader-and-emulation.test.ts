import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { binfmtHandler } from '../../src/confirm/index.js';
import { CONFIRM_LABEL } from '../../src/confirm/container.js';
import type { ScanReport } from '../../src/findings.js';
import { scan } from '../../src/scan.js';
import { dockerBuild, dockerHost, engine, ensureBaseImages } from '../support/engine.js';
import { buildScenario, SCENARIO_DIR } from '../support/scenarios.js';

/**
 * `scan --confirm=all` asks the image's own loader (glibc's ld.so in ldd's trace mode, musl's
 * `--list`) about every dynamic ELF, batched in one container: each predicted load failure is
 * confirmed with the loader's own words, and the loader agrees with the simulation everywhere
 * else (no EG704, no EG705). A foreign binary that a qemu binfmt handler would run is
 * "inconclusive: emulated on this runner" and keeps its static verdict.
 */
let docker: Docker | null = null;
const reports = new Map<string, ScanReport>();
let binfmtDir = '';

function confirmedBy(report: ScanReport): [string, string | null, string | null | undefined][] {
  return report.findings
    .filter((f) => f.level === 'error')
    .map((f) => [
      f.ruleId,
      f.path,
      f.confirmation?.status === 'confirmed'
        ? f.confirmation.runtimeError
        : `not confirmed: ${f.confirmation?.detail}`,
    ]);
}

beforeAll(async () => {
  docker = await engine('confirm: loader and emulation');
  if (!docker) return;
  await ensureBaseImages(['bookworm', 'alpineLike', 'goBuilder']);
  for (const target of ['glibc', 'musl']) {
    const tag = `exit139-guard-scenario/loader-cases-${target}:test`;
    await dockerBuild(SCENARIO_DIR, { tag, dockerfile: 'loader-cases.Dockerfile', target });
    reports.set(
      target,
      await scan({
        source: { kind: 'engine', ref: tag, dockerHost: dockerHost() },
        confirm: { scope: 'all' },
      }),
    );
  }
  // A qemu-aarch64 handler as binfmt_misc shows one (the confirmation only reads the folder).
  binfmtDir = mkdtempSync(path.join(tmpdir(), 'binfmt-'));
  writeFileSync(path.join(binfmtDir, 'status'), 'enabled\n');
  writeFileSync(
    path.join(binfmtDir, 'qemu-aarch64'),
    'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\nmagic 7f454c460201010000000000000000000200b700\n',
  );
  const arm = await buildScenario('arm64-in-amd64');
  reports.set(
    'emulated',
    await scan({
      source: { kind: 'engine', ref: arm, dockerHost: dockerHost() },
      confirm: { scope: 'findings', binfmtDir },
    }),
  );
}, 600_000);

afterAll(async () => {
  if (binfmtDir) rmSync(binfmtDir, { recursive: true, force: true });
  if (docker) {
    expect(await docker.listContainers({ all: true, filters: { label: [CONFIRM_LABEL] } })).toEqual(
      [],
    );
  }
});

describe("scan --confirm=all asks the image's own loader", () => {
  it("glibc: each predicted failure is confirmed with ld.so's own line", () => {
    if (!docker) return;
    const report = reports.get('glibc')!;
    expect(confirmedBy(report)).toEqual([
      ['EG103', '/opt/a/bin/nodeflib', 'libc.so.6 => not found'],
      ['EG103', '/opt/a/lib/liba.so', 'libb.so => not found'],
      ['EG103', '/opt/e/needed-with-slash', '/out/glibc/opt/e/libe.so => not found'],
      [
        'EG104',
        '/opt/v/version-missing',
        "/opt/v/version-missing: /opt/v/libv.so: version `VERS_2' not found (required by /opt/v/version-missing)",
      ],
    ]);
  });

  it("musl: the predicted failure is confirmed with its loader's own line", () => {
    if (!docker) return;
    expect(confirmedBy(reports.get('musl')!)).toEqual([
      [
        'EG103',
        '/opt/m/lib/libma.so',
        'Error loading shared library libmb.so: No such file or directory (needed by /opt/m/lib/libma.so)',
      ],
    ]);
  });

  it('agrees with the simulation on every other file, in one batched run per loader', () => {
    if (!docker) return;
    for (const target of ['glibc', 'musl']) {
      const report = reports.get(target)!;
      expect(report.confirmation?.loaderChecked).toBeGreaterThan(0);
      expect(
        report.findings.filter(
          (f) => f.ruleId.startsWith('EG70') || f.confirmation?.status === 'contradicted',
        ),
      ).toEqual([]);
      expect(report.confirmation?.entrypoint.status).toBe('confirmed');
    }
    // bookworm's own libraries: hundreds of files, all mapped as simulated.
    expect(reports.get('glibc')!.confirmation!.loaderChecked).toBeGreaterThan(300);
  });
});

describe('a foreign binary that qemu would run here', () => {
  it('finds the handler binfmt_misc registers for the architecture', () => {
    if (!docker) return;
    expect(binfmtHandler('arm64', binfmtDir)).toBe(
      `${binfmtDir}/qemu-aarch64 (/usr/libexec/qemu-binfmt/aarch64-binfmt-P)`,
    );
    expect(binfmtHandler('riscv64', binfmtDir)).toBeNull();
  });

  it('is inconclusive: emulated on this runner, and the static error stands', () => {
    if (!docker) return;
    const report = reports.get('emulated')!;
    expect(report.confirmation?.entrypoint).toMatchObject({
      status: 'inconclusive',
      outcome: 'emulated',
    });
    const eg106 = report.findings.find((f) => f.ruleId === 'EG106')!;
    expect([eg106.level, eg106.confirmation?.status, eg106.confirmation?.outcome]).toEqual([
      'error',
      'inconclusive',
      'emulated',
    ]);
  });
});
