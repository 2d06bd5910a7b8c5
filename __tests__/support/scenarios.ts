/**
 * The scenario images of scenarios/<name>.Dockerfile, shared by the scenario suite (which also
 * runs them) and the SARIF validation: built by the engine, then scanned as a user's CI would,
 * from the docker-save archive, against the Dockerfile that built them.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScanReport } from '../../src/findings.js';
import { scan, type ScanOptions } from '../../src/scan.js';
import { dockerBuild, saveImage } from './engine.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCENARIO_DIR = path.join(REPO, 'scenarios');

export function scenarioTag(name: string): string {
  return `exit139-guard-scenario/${name}:test`;
}

/** Builds the scenario's image (the engine's build cache makes a rebuild instant); its tag. */
export async function buildScenario(name: string): Promise<string> {
  const tag = scenarioTag(name);
  await dockerBuild(SCENARIO_DIR, { tag, dockerfile: `${name}.Dockerfile` });
  return tag;
}

/**
 * Saves the built scenario image into `workDir` and scans the archive with its Dockerfile;
 * `confirm` also runs it in the engine (`scan --confirm`, found there by the archive's image id).
 */
export async function scanScenario(
  name: string,
  workDir: string,
  confirm?: ScanOptions['confirm'],
): Promise<ScanReport> {
  const dockerfile = `${name}.Dockerfile`;
  const archive = path.join(workDir, `${name}.tar`);
  await saveImage(scenarioTag(name), archive);
  try {
    return await scan({
      source: { kind: 'archive', path: archive },
      dockerfile: {
        path: `scenarios/${dockerfile}`,
        text: readFileSync(path.join(SCENARIO_DIR, dockerfile), 'utf8'),
      },
      ...(confirm ? { confirm } : {}),
    });
  } finally {
    rmSync(archive, { force: true });
  }
}
