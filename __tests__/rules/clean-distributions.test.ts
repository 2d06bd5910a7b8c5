import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/scan.js';
import { BASE, engine, ensureBaseImages, saveImage, type BaseName } from '../support/engine.js';

/**
 * Working distributions must scan without a single error: these images start and run their
 * programs every day, so an error on them is a false alarm by definition.
 */
const BENCH_ARCHIVE = path.join(
  process.env.BENCH_CACHE ?? '/var/cache/exit139-guard/bench',
  'debian-big.tar',
);

async function scanBase(name: BaseName) {
  const work = mkdtempSync(path.join(tmpdir(), 'clean-'));
  try {
    const archive = path.join(work, 'image.tar');
    await saveImage(BASE[name], archive);
    return await scan({ source: { kind: 'archive', path: archive } });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('scanning working distributions', () => {
  it.each([
    'bookworm',
    'bullseye',
    'goBuilder',
    'alpineLike',
    'distrolessStatic',
    'distrolessBase',
  ] as BaseName[])(
    'reports no error for the %s base',
    async (name) => {
      if (!(await engine(`clean scan of ${name}`))) return;
      await ensureBaseImages([name]);
      const report = await scanBase(name);
      const errors = report.findings.filter((f) => f.level === 'error');
      expect(errors.map((f) => `${f.ruleId} ${f.path}: ${f.message}`)).toEqual([]);
      expect(report.summary.files).toBeGreaterThan(0);
    },
    600_000,
  );

  it('reports no error for the big Debian benchmark image', async () => {
    if (!existsSync(BENCH_ARCHIVE)) {
      const { reportSkip } = await import('../support/skip.js');
      reportSkip(
        'clean scan of debian-big',
        `${BENCH_ARCHIVE} missing (scripts/ci-fixtures/50-debian-big.sh builds it)`,
      );
      return;
    }
    const report = await scan({ source: { kind: 'archive', path: BENCH_ARCHIVE } });
    const errors = report.findings.filter((f) => f.level === 'error');
    expect(errors.map((f) => `${f.ruleId} ${f.path}: ${f.message}`)).toEqual([]);
    expect(report.summary.elfFiles).toBeGreaterThan(1000);
  }, 900_000);
});
