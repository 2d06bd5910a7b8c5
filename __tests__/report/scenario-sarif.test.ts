/**
 * SARIF of real images passes Microsoft's SARIF multitool: every scenario image of scenarios/
 * (built by the engine, as the scenario suite builds them), scanned with its Dockerfile, turned
 * into SARIF, and validated with the default rules and with GitHub's ingestion rules.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toSarif } from '../../src/report/sarif.js';
import { engine, ensureBaseImages, FACTORY_BASES } from '../support/engine.js';
import { buildScenario, REPO, SCENARIO_DIR, scanScenario } from '../support/scenarios.js';
import { validateSarif } from './sarif-validator.js';

const sarifFiles: string[] = [];
let resultCount = 0;

beforeAll(async () => {
  if (!(await engine('scenario SARIF validation'))) return;
  await ensureBaseImages(FACTORY_BASES);
  const work = mkdtempSync(path.join(os.tmpdir(), 'e139-scenario-sarif-'));
  for (const dockerfile of readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.Dockerfile'))
    .sort()) {
    const name = dockerfile.replace(/\.Dockerfile$/, '');
    await buildScenario(name);
    const report = await scanScenario(name, work);
    resultCount += report.findings.length;
    const file = path.join(work, `${name}.sarif`);
    writeFileSync(
      file,
      JSON.stringify(toSarif(report, { repositoryRoot: REPO, cwd: REPO }), null, 2),
    );
    sarifFiles.push(file);
  }
}, 900_000);

describe('SARIF of the scenario images', () => {
  it('has zero errors under the SARIF multitool, with its default rules and with GitHub ingestion rules', () => {
    if (sarifFiles.length === 0) return; // engine() reported the skip
    expect(sarifFiles.length).toBeGreaterThanOrEqual(20);
    expect(resultCount).toBeGreaterThan(20);
    const problems = [
      ...validateSarif(sarifFiles, 'default').filter((m) => m.level !== 'note'),
      ...validateSarif(sarifFiles, 'Gh'),
    ];
    expect(problems).toEqual([]);
  });
});
