import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ScanReport } from '../../src/findings.js';
import { ruleMeta, runtimeErrorFor } from '../../src/rules/catalog.js';
import {
  dockerHost,
  engine,
  ensureBaseImages,
  FACTORY_BASES,
  runContainer,
  type RunResult,
} from '../support/engine.js';
import { buildScenario, REPO, scanScenario } from '../support/scenarios.js';
import { CONFIRM_LABEL } from '../../src/confirm/container.js';

/**
 * Each scenario is a real image built by the engine from scenarios/<name>.Dockerfile and run
 * once: the container's own fate is the truth. scan() must report at least one error, with the
 * expected rule, for exactly the images that fail to start, and none for those that run.
 */
interface Scenario {
  name: string;
  /** What the issue says happens on an amd64 node without binfmt emulation. */
  starts: boolean;
  /** The rule that must be among the errors when it does not start. */
  rule?: string;
  /** Rules that must be reported below error for an image that starts. */
  lesser?: string[];
  /**
   * For a process killed by a signal, which prints nothing: the exit status the engine reports,
   * which the error's runtimeError must name instead of a printed line.
   */
  exitCode?: number;
  /**
   * What the container must print (stdout or stderr) for the scenario to be what it claims:
   * for an image that starts, the failure its warning foretells (or the twin's success).
   */
  prints?: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'cgo-scratch', starts: false, rule: 'EG202' },
  { name: 'musl-on-debian', starts: false, rule: 'EG101' },
  { name: 'cgo-alpine', starts: false, rule: 'EG101' },
  { name: 'cgo-alpine-compat', starts: true, lesser: ['EG102'] },
  { name: 'libcver-alpine-compat', starts: false, rule: 'EG102' },
  { name: 'c-glibc-alpine-compat', starts: true, lesser: ['EG102'] },
  { name: 'bookworm-on-bullseye', starts: false, rule: 'EG104' },
  { name: 'bullseye-on-bookworm', starts: true },
  { name: 'missing-library', starts: false, rule: 'EG103' },
  { name: 'library-closure-distroless-base', starts: false, rule: 'EG103' },
  { name: 'library-closure-bookworm', starts: false, rule: 'EG103' },
  { name: 'library-closure-scratch', starts: false, rule: 'EG101' },
  { name: 'origin-runpath', starts: true },
  { name: 'ld-library-path', starts: true },
  { name: 'ld-so-conf-without-ldconfig', starts: false, rule: 'EG103' },
  { name: 'ld-so-conf-with-ldconfig', starts: true },
  { name: 'arm64-in-amd64', starts: false, rule: 'EG106' },
  { name: 'cgo-env-overridden', starts: false, rule: 'EG202' },
  { name: 'pie-nocgo-scratch', starts: false, rule: 'EG101' },
  { name: 'entrypoint-missing', starts: false, rule: 'EG301' },
  { name: 'entrypoint-not-executable', starts: false, rule: 'EG302' },
  { name: 'bash-script-on-busybox', starts: false, rule: 'EG303' },
  { name: 'sh-script-on-busybox', starts: true },
  { name: 'static-glibc-nss', starts: true, lesser: ['EG203'] },
  { name: 'roots-scratch', starts: true, lesser: ['EG401'] },
  { name: 'roots-distroless', starts: true },
  { name: 'static-scratch', starts: true },
  { name: 'cgo-bookworm', starts: true },
  { name: 'musl-on-alpine', starts: true },
  { name: 'undefined-symbol-lazy', starts: true, lesser: ['EG105'] },
  { name: 'undefined-symbol-bind-now', starts: false, rule: 'EG105' },
  { name: 'env-bash-on-busybox', starts: false, rule: 'EG303' },
  { name: 'entrypoint-not-in-path', starts: false, rule: 'EG301' },
  { name: 'entrypoint-group-executable', starts: true },
  { name: 'ineffective-static-flags', starts: true, lesser: ['EG204'] },
  { name: 'os-user-scratch', starts: true, lesser: ['EG403'] },
  // The kernel's exec (issue 11 items 1, 5, 6; issue 16 item 8).
  { name: 'crlf-script', starts: false, rule: 'EG303' },
  { name: 'lf-script', starts: true },
  { name: 'env-bash-crlf', starts: false, rule: 'EG303' },
  { name: 'env-two-words', starts: false, rule: 'EG303' },
  { name: 'env-split-string', starts: true },
  { name: 'script-without-shebang', starts: false, rule: 'EG108' },
  { name: 'dangling-entrypoint', starts: false, rule: 'EG301' },
  { name: 'elf-type-rel', starts: false, rule: 'EG110' },
  { name: 'elf-entry-zero', starts: false, rule: 'EG110', exitCode: 139 },
  { name: 'i386-static', starts: true },
  { name: 'i386-dynamic', starts: false, rule: 'EG101' },
  { name: 'goamd64-v3', starts: true, lesser: ['EG111'] },
  { name: 'goamd64-v1', starts: true },
  { name: 'isa-needed-v3', starts: true, lesser: ['EG111'] },
  { name: 'pthread-cancel-distroless-base', starts: false, rule: 'EG113' },
  { name: 'pthread-cancel-bookworm', starts: true, prints: 'worker cancelled' },
  { name: 'pthread-exit-distroless-base', starts: false, rule: 'EG113' },
  { name: 'iconv-distroless-base', starts: true, lesser: ['EG115'], prints: 'Invalid argument' },
  { name: 'iconv-bookworm', starts: true, prints: 'converter opened' },
  { name: 'glibc-plugin-on-musl', starts: false, rule: 'EG105' },
  { name: 'musl-plugin-on-musl', starts: true, prints: 'loaded /app/plugin.so: plugin' },
  { name: 'user-name-missing', starts: false, rule: 'EG404' },
  { name: 'user-group-missing', starts: false, rule: 'EG404' },
  { name: 'user-root-without-passwd', starts: false, rule: 'EG404' },
  { name: 'user-name-exists', starts: true },
  {
    name: 'os-user-uid-unknown',
    starts: true,
    lesser: ['EG403'],
    prints: 'user: Current requires cgo or $USER set in environment',
  },
  {
    name: 'os-user-cgo-uid-unknown',
    starts: true,
    lesser: ['EG403'],
    prints: 'user: unknown userid 1000',
  },
  {
    name: 'nss-module-missing',
    starts: true,
    lesser: ['EG114'],
    prints: 'user: lookup userid 0: invalid argument',
  },
  { name: 'loader-copied-to-scratch', starts: true, prints: 'hello from C' },
  { name: 'loader-copied-libc-in-lib64', starts: false, rule: 'EG103' },
  // Start under docker run; their pods are in __tests__/kubernetes/scenarios.test.ts.
  { name: 'k8s-root-image', starts: true },
  { name: 'k8s-named-user', starts: true },
  { name: 'shell-form-missing', starts: false, rule: 'EG301' },
  { name: 'shell-form-missing-busybox', starts: false, rule: 'EG301' },
  { name: 'shell-form-present', starts: true, prints: 'started --flag' },
  { name: 'entrypoint-is-folder', starts: false, rule: 'EG301' },
];

const BINFMT_AARCH64 = '/proc/sys/fs/binfmt_misc/qemu-aarch64';

interface Outcome {
  run: RunResult;
  report: ScanReport;
}

const outcomes = new Map<string, Outcome>();
let available = false;
let binfmtRestore: string | null = null;
let leftoversAfter: { containers: number; volumes: number; networks: number } | null = null;

/** A node of the real world has no qemu: make sure arm64 programs are refused, as there. */
function disableAarch64Emulation(): void {
  if (!existsSync(BINFMT_AARCH64)) return;
  if (!readFileSync(BINFMT_AARCH64, 'utf8').startsWith('enabled')) return;
  writeFileSync(BINFMT_AARCH64, '0');
  binfmtRestore = '1';
}

function startedSummary(run: RunResult): string {
  if (run.engineError) return `engine: ${run.engineError}`;
  const stderr = run.stderr.trim().split('\n').slice(-1)[0] ?? '';
  return `exit ${run.exitCode}${run.timedOut ? ' (timed out)' : ''}${run.exitCode !== 0 && stderr ? `: ${stderr}` : ''}`;
}

function scanSummary(report: ScanReport): string {
  const shown = report.findings.filter((f) => f.level !== 'note' || f.ruleId !== 'EG501');
  if (shown.length === 0) return 'clean';
  return shown
    .map((f) => `${f.level} ${f.ruleId}`)
    .filter((v, i, a) => a.indexOf(v) === i)
    .join(', ');
}

beforeAll(async () => {
  const docker = await engine('scenario suite');
  if (!docker) return;
  available = true;
  const volumesBefore = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
  const networksBefore = new Set((await docker.listNetworks()).map((n) => n.Id));
  disableAarch64Emulation();
  await ensureBaseImages(FACTORY_BASES);
  const work = mkdtempSync(path.join(tmpdir(), 'scenarios-'));
  try {
    for (const scenario of SCENARIOS) {
      const tag = await buildScenario(scenario.name);
      const run = await runContainer(tag, { timeoutMs: 30_000 });
      // The scan confirms by running (scan --confirm) in the same pass: its cost is measured.
      const report = await scanScenario(scenario.name, work, {
        scope: 'findings',
        dockerHost: dockerHost(),
      });
      outcomes.set(scenario.name, { run, report });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Confirming leaves nothing behind: no container, no (anonymous) volume, no network.
  const leftovers = {
    containers: (await docker.listContainers({ all: true, filters: { label: [CONFIRM_LABEL] } }))
      .length,
    volumes: ((await docker.listVolumes()).Volumes ?? []).filter((v) => !volumesBefore.has(v.Name))
      .length,
    networks: (await docker.listNetworks()).filter((n) => !networksBefore.has(n.Id)).length,
  };
  leftoversAfter = leftovers;
}, 900_000);

afterAll(() => {
  if (binfmtRestore !== null) writeFileSync(BINFMT_AARCH64, binfmtRestore);
  if (outcomes.size === 0) return;
  const rows = SCENARIOS.filter((s) => outcomes.has(s.name)).map((s) => {
    const { run, report } = outcomes.get(s.name) as Outcome;
    const c = report.confirmation;
    const confirmed = c
      ? `${c.entrypoint.status}: ${c.entrypoint.outcome} (+${(c.durationMs / 1000).toFixed(2)} s)`
      : 'not confirmed';
    return `| ${s.name} | ${startedSummary(run).replace(/\|/g, '\\|')} | ${scanSummary(report)} | ${confirmed} |`;
  });
  const binfmt = existsSync(BINFMT_AARCH64)
    ? `${BINFMT_AARCH64} ${binfmtRestore === null ? 'was already disabled' : 'disabled during the suite'}`
    : 'no qemu-aarch64 binfmt handler on this machine';
  const table = [
    `(${binfmt})`,
    '| scenario | what the engine did | what scan said | scan --confirm |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  mkdirSync(path.join(REPO, '.cache', 'scenarios'), { recursive: true });
  writeFileSync(path.join(REPO, '.cache', 'scenarios', 'table.md'), table + '\n');
  process.stdout.write(`\n${table}\n`);
});

describe('scenario images, built and started by the engine, then scanned', () => {
  it('scan --confirm leaves no container, volume or network behind', () => {
    if (!available) return;
    expect(leftoversAfter).toEqual({ containers: 0, volumes: 0, networks: 0 });
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    if (!available) return;
    const outcome = outcomes.get(scenario.name);
    expect(outcome).toBeDefined();
    const { run, report } = outcome as Outcome;
    const started = run.exitCode === 0 && !run.timedOut;
    const errors = report.findings.filter((f) => f.level === 'error');
    // Every finding of a scanned Dockerfile points at one of its lines.
    expect(
      report.findings.filter((f) => f.dockerfile?.path !== `scenarios/${scenario.name}.Dockerfile`),
    ).toEqual([]);
    expect({ started, errors: errors.length > 0 }).toEqual({
      started: scenario.starts,
      errors: !scenario.starts,
    });
    if (!started) {
      expect(errors.map((f) => f.ruleId)).toContain(scenario.rule);
      // Every error of a scanned Dockerfile points at one of its lines.

      // What a finding says the container prints is what it printed.
      const printed = run.engineError ?? run.stderr;
      const foretold = errors.map(
        (f) => f.runtimeError ?? runtimeErrorFor(ruleMeta(f.ruleId), f.path),
      );
      if (scenario.exitCode !== undefined) {
        // Killed by a signal: nothing printed; the engine's exit status is the truth.
        expect(run.exitCode).toBe(scenario.exitCode);
        expect(
          foretold.filter((line) => line.includes(`exit status ${scenario.exitCode}`)),
        ).not.toEqual([]);
      } else {
        expect(foretold.filter((line) => line !== '' && printed.includes(line))).not.toEqual([]);
      }
    }
    if (scenario.prints !== undefined) expect(run.stdout + run.stderr).toContain(scenario.prints);
    // Proof by running (scan --confirm) agrees with the engine, and with the prediction.
    const confirmation = report.confirmation!;
    expect(confirmation.entrypoint.status).toBe('confirmed');
    expect(
      report.findings
        .filter((f) => f.confirmation?.status === 'contradicted' || /^EG70[1245]$/.test(f.ruleId))
        .map((f) => f.ruleId),
    ).toEqual([]);
    if (started) {
      expect(confirmation.entrypoint.outcome).toBe('started');
    } else {
      // An error is confirmed with the engine's exact text (what `docker run` printed).
      const printed = run.engineError ?? run.stderr;
      // A process killed by a signal prints nothing: its exit status is the text.
      const proven = errors.filter(
        (f) =>
          f.confirmation?.status === 'confirmed' &&
          (scenario.exitCode !== undefined
            ? f.confirmation.exitCode === scenario.exitCode
            : f.confirmation.runtimeError !== null &&
              printed.includes(f.confirmation.runtimeError)),
      );
      expect(proven.map((f) => f.ruleId)).toContain(scenario.rule);
    }
    for (const rule of scenario.lesser ?? []) {
      expect(report.findings.filter((f) => f.level !== 'error').map((f) => f.ruleId)).toContain(
        rule,
      );
    }
  });
});
