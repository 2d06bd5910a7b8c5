/**
 * The hostile-input harness (scripts/fuzz/harness.ts) against the bundled CLI, seeded and
 * bounded for CI (about a minute on two cores): ELF mutants in an image whose entrypoint starts
 * one, hostile archives and folders with the decompression bombs, Dockerfiles and configs.
 * Crashes, hangs over 10 s, peak RSS over 1 GiB and writes outside the run's temporary folder
 * must all be zero. Bigger runs: FUZZ_SEED, FUZZ_SCALE (inputs ×), FUZZ_BOMB_SCALE (1 = the
 * full 2-3 GiB bombs), FUZZ_CLI (another bundle), e.g.
 * `FUZZ_SCALE=10 FUZZ_BOMB_SCALE=1 npx jest __tests__/fuzz`.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { existsSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import { cleanUp, runCampaign, type CampaignReport } from '../../scripts/fuzz/harness.js';
import { bundleAction } from '../action/run-action.js';
import { reportSkip } from '../support/skip.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x16);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const BOMB_SCALE = Number(process.env.FUZZ_BOMB_SCALE ?? 1 / 16);
/** Real programs of the machine (coreutils and dash are in every Debian): the mutants' seeds. */
const ELF_SEEDS = ['/bin/true', '/bin/sh'].filter(existsSync).map((p) => realpathSync(p));
const TOOLS = ['/usr/bin/time', '/usr/bin/strace'];

let bundleDir = '';

beforeAll(() => {
  bundleDir = bundleAction();
});

afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
});

function describeReport(report: CampaignReport): string {
  const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
  const lines = [
    `hostile-input harness, seed ${report.seed}: ${Object.entries(report.inputs)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ')} runs (${report.elfMutants} ELF mutants)`,
    `crashes ${report.crashes}, hangs ${report.hangs}, peak RSS over 1 GiB ${report.blowUps}, writes outside the temporary folder ${report.writesOutside}`,
    `highest peak RSS ${mib(report.peakRssBytes)}; slowest ${report.slowest.name} (${report.slowest.seconds.toFixed(1)} s)`,
  ];
  for (const f of report.failures) {
    lines.push(
      `FAILED ${f.input.name}: exit ${f.status} ${f.signal ?? ''} ${f.seconds.toFixed(1)} s ${mib(f.peakRssBytes)}` +
        ` writes ${JSON.stringify(f.writesOutside)}\n  exit139-guard ${f.input.args.join(' ')}\n  ${f.stderr.slice(0, 600)}`,
    );
  }
  if (report.failures.length > 0) lines.push(`inputs kept in ${report.workDir}`);
  return lines.join('\n');
}

it(
  'no crash, hang, blow-up or write outside the temporary folder on hostile input',
  async () => {
    const missing = TOOLS.filter((tool) => !existsSync(tool));
    if (missing.length > 0 || ELF_SEEDS.length === 0) {
      reportSkip(
        'the hostile-input harness',
        `missing ${[...missing, ...(ELF_SEEDS.length ? [] : ['/bin/true'])].join(', ')} (Debian packages time, strace)`,
      );
      return;
    }
    const report = await runCampaign({
      // FUZZ_CLI: another bundle, e.g. an older release, to measure it (the "before" figures).
      cli: process.env.FUZZ_CLI ?? path.join(bundleDir, 'cli.js'),
      seed: SEED,
      elfImages: Math.round(24 * SCALE),
      mutantsPerImage: 25,
      archives: Math.round(24 * SCALE),
      dockerfiles: Math.round(30 * SCALE),
      configs: Math.round(16 * SCALE),
      bombScale: BOMB_SCALE,
      elfSeeds: ELF_SEEDS,
    });
    console.log(describeReport(report));
    expect({
      crashes: report.crashes,
      hangs: report.hangs,
      blowUps: report.blowUps,
      writesOutside: report.writesOutside,
    }).toEqual({ crashes: 0, hangs: 0, blowUps: 0, writesOutside: 0 });
    cleanUp(report);
    // About 30 s at scale 1 on two cores; bigger runs get the time they need.
  },
  300_000 * Math.max(1, SCALE),
);
