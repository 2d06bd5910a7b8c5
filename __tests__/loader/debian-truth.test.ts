import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { analyzeElf } from '../../src/elf/index.js';
import { openImage } from '../../src/image/open.js';
import type { ImageView } from '../../src/image/types.js';
import { simulateImage, type ImageLoadReport } from '../../src/loader/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BASE, dockerHost, engine, ensureBaseImages, saveImage } from '../support/engine.js';

/**
 * Runs glibc's own ld.so inside the image (`ld.so --list FILE` for each file) and returns, per
 * file, what it maps: DT_NEEDED name => path, "not found" for a missing one.
 */
function ldSoList(
  image: string,
  interpreter: string,
  files: string[],
): Promise<Map<string, Map<string, string>>> {
  return new Promise((resolve, reject) => {
    const script = `while read -r f; do echo "== $f"; ${interpreter} --list "$f" 2>&1; done`;
    const child = spawn(
      'docker',
      ['run', '--rm', '-i', '--network', 'none', image, 'sh', '-c', script],
      {
        env: { ...process.env, DOCKER_HOST: dockerHost() },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => {
      const result = new Map<string, Map<string, string>>();
      let current: Map<string, string> | null = null;
      for (const line of out.split('\n')) {
        if (line.startsWith('== ')) {
          current = new Map();
          result.set(line.slice(3), current);
          continue;
        }
        const match = /^\t(\S+) => (not found|\S+)/.exec(line);
        if (match && current) current.set(match[1], match[2]);
      }
      resolve(result);
    });
    child.stdin.end(files.join('\n') + '\n');
  });
}

describe.each([
  ['bookworm', BASE.bookworm],
  ['bullseye', BASE.bullseye],
])('the loader simulation of Debian %s', (_name, image) => {
  let view: ImageView | null = null;
  let report: ImageLoadReport;

  beforeAll(async () => {
    if (!(await engine(`loader simulation of ${image}`))) return;
    await ensureBaseImages(['bookworm', 'bullseye']);
    const work = mkdtempSync(path.join(tmpdir(), 'loader-truth-'));
    try {
      await saveImage(image, path.join(work, 'image.tar'));
      view = await openImage(
        { kind: 'archive', path: path.join(work, 'image.tar') },
        { analyzeElf },
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    report = simulateImage(view);
  }, 600_000);

  it("maps, for every dynamic ELF file, the same libraries from the same paths as the image's ld.so --list", async () => {
    if (!view) return;
    const interpreter = '/lib64/ld-linux-x86-64.so.2';
    const interpreterReal = view.resolve(interpreter);
    expect(interpreterReal.found).toBe(true);
    const checked = [...report.simulations.values()].filter(
      (sim) =>
        sim.notSimulated === null &&
        sim.objects[0].realPath !== (interpreterReal as { path: string }).path,
    );
    expect(checked.length).toBeGreaterThan(150);
    const truth = await ldSoList(
      image,
      interpreter,
      checked.map((sim) => sim.path),
    );
    const mismatches: string[] = [];
    for (const sim of checked) {
      const ours = new Map<string, string>();
      for (const object of sim.objects.slice(1)) {
        if (object.realPath === sim.interpreter?.path) continue;
        ours.set(object.name, object.path);
      }
      for (const problem of sim.problems)
        if (problem.kind === 'library-missing') ours.set(problem.name, 'not found');
      const theirs = truth.get(sim.path);
      if (!theirs) {
        mismatches.push(`${sim.path}: ld.so --list printed nothing`);
        continue;
      }
      const a = JSON.stringify([...ours.entries()].sort());
      const b = JSON.stringify([...theirs.entries()].sort());
      if (a !== b) mismatches.push(`${sim.path}:\n  ours ${a}\n  ld.so ${b}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('finds no missing library, version or symbol in a working distribution', () => {
    if (!view) return;
    const problems = [...report.simulations.values()].flatMap((sim) =>
      sim.problems.map((p) => `${sim.path}: ${JSON.stringify(p)}`),
    );
    expect(problems).toEqual([]);
  });
});
