import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Finding, ScanReport } from '../../src/findings.js';
import { userLineEdits, type LineEdit } from '../../src/report/fix.js';
import { formatJson, readJsonReports } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { scan } from '../../src/scan.js';
import {
  dockerBuild,
  dockerHost,
  engine,
  ensureBaseImages,
  runContainer,
  saveImage,
  type RunResult,
} from '../support/engine.js';
import { buildScenario, SCENARIO_DIR } from '../support/scenarios.js';

const LOAD_ERROR =
  '/app: error while loading shared libraries: libmpc.so.3: cannot open shared object file: No such file or directory';

/**
 * The fix for a missing loader (EG101) or library (EG103) as exact `COPY --from=<builder>` lines: the closure the
 * builder's loader finds, less what the final image has. Proved by running: the image fails with
 * the loader's own message, the Dockerfile with the fix applied builds, starts and scans clean.
 */
const LIB = '/lib/x86_64-linux-gnu';
const CLOSURES: { scenario: string; rule: string; fails: string; copies: string[] }[] = [
  // distroless-base-like has glibc only: the whole closure of MPC.
  {
    scenario: 'library-closure-distroless-base',
    rule: 'EG103',
    fails: LOAD_ERROR,
    copies: [`${LIB}/libmpc.so.3`, `${LIB}/libmpfr.so.6`, `${LIB}/libgmp.so.10`],
  },
  // bookworm has GMP already (coreutils needs it): only MPC and MPFR.
  {
    scenario: 'library-closure-bookworm',
    rule: 'EG103',
    fails: LOAD_ERROR,
    copies: [`${LIB}/libmpc.so.3`, `${LIB}/libmpfr.so.6`],
  },
  // scratch has nothing: the loader at its PT_INTERP path, then everything it maps.
  {
    scenario: 'library-closure-scratch',
    rule: 'EG101',
    fails: 'exec /app: no such file or directory',
    copies: [
      '/lib64/ld-linux-x86-64.so.2',
      `${LIB}/libmpc.so.3`,
      `${LIB}/libc.so.6`,
      `${LIB}/libmpfr.so.6`,
      `${LIB}/libgmp.so.10`,
      `${LIB}/libm.so.6`,
    ],
  },
];

let work = '';
let available = false;

beforeAll(async () => {
  if (!(await engine('library closure fix'))) return;
  available = true;
  await ensureBaseImages(['goBuilder', 'bookworm', 'distrolessBase']);
  work = mkdtempSync(path.join(tmpdir(), 'closure-'));
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function scanArchive(tag: string, dockerfilePath: string, text: string): Promise<ScanReport> {
  const archive = path.join(work, 'image.tar');
  await saveImage(tag, archive);
  try {
    return await scan({
      source: { kind: 'archive', path: archive },
      dockerfile: { path: dockerfilePath, text },
      builderImages: { dockerHost: dockerHost() },
    });
  } finally {
    rmSync(archive, { force: true });
  }
}

function applyEdits(text: string, edits: LineEdit[]): string {
  const lines = text.split('\n');
  for (const edit of [...edits].sort((a, b) => b.startLine - a.startLine))
    lines.splice(edit.startLine - 1, edit.endLine - edit.startLine + 1, ...edit.after);
  return lines.join('\n');
}

function ofRule(report: ScanReport, rule: string): Finding[] {
  return report.findings.filter((f) => f.ruleId === rule);
}

function eg103(report: ScanReport): Finding[] {
  return ofRule(report, 'EG103');
}

function failsToLoad(run: RunResult, library: string): void {
  expect(run.exitCode).toBe(127);
  expect(run.stderr).toContain(
    `/app: error while loading shared libraries: ${library}: cannot open shared object file: No such file or directory`,
  );
}

describe('EG103 fix: the library closure copied from the builder stage', () => {
  for (const { scenario, rule, fails, copies } of CLOSURES) {
    const names = copies.map((c) => c.slice(c.lastIndexOf('/') + 1)).join(', ');
    it(`${scenario}: ${rule}, COPY --from=build of ${names}; the fixed image starts`, async () => {
      if (!available) return;
      const dockerfile = `scenarios/${scenario}.Dockerfile`;
      const text = readFileSync(path.join(SCENARIO_DIR, `${scenario}.Dockerfile`), 'utf8');
      const tag = await buildScenario(scenario);
      const broken = await runContainer(tag, { timeoutMs: 30_000 });
      expect(broken.exitCode).not.toBe(0);
      expect(broken.stderr).toContain(fails);

      const report = await scanArchive(tag, dockerfile, text);
      const [finding, ...others] = ofRule(report, rule);
      expect(others).toEqual([]);
      expect(report.findings.filter((f) => f.level === 'error').map((f) => f.ruleId)).toEqual([
        rule,
      ]);
      expect(finding!.libraryClosure).toEqual({
        kind: 'copy-from',
        from: 'build',
        image: 'exit139-guard-test/go-builder:local',
        after: expect.objectContaining({ startLine: 11, role: 'placed' }),
        copies: copies.map((source) => ({
          source,
          destination: source.slice(0, source.lastIndexOf('/')),
        })),
      });
      // The JSON report carries it, and a saved report (from-report) reads it back.
      const json = formatJson(report);
      const written = (JSON.parse(json) as { findings: Finding[] }).findings;
      expect(written.find((f) => f.ruleId === rule)!.libraryClosure).toEqual(
        finding!.libraryClosure,
      );
      const [reread] = readJsonReports(json, 'report.json').reports;
      expect(reread!.findings.find((f) => f.ruleId === rule)!.libraryClosure).toEqual(
        finding!.libraryClosure,
      );
      const comment = renderMarkdown(report, {
        failOn: 'error',
        level: 'warning',
        dockerfileText: text,
        repositoryRoot: path.dirname(SCENARIO_DIR),
        cwd: path.dirname(SCENARIO_DIR),
      });
      expect(comment).toContain(
        [
          '**Fix** in your Dockerfile',
          '',
          '```diff',
          `@@ ${dockerfile}:11 @@`,
          '-COPY --from=build /out/app /app',
          '+COPY --from=build /out/app /app',
          ...copies.map(
            (source) => `+COPY --from=build ${source} ${source.slice(0, source.lastIndexOf('/'))}/`,
          ),
          '```',
        ].join('\n'),
      );

      // The user applies the diff: the image builds, starts and scans without an error.
      const fixedText = applyEdits(text, userLineEdits(rule, ofRule(report, rule), text));
      const fixedFile = path.join(work, `${scenario}.fixed.Dockerfile`);
      writeFileSync(fixedFile, fixedText);
      const fixedTag = `exit139-guard-scenario/${scenario}-fixed:test`;
      await dockerBuild(SCENARIO_DIR, { tag: fixedTag, dockerfile: fixedFile });
      const run = await runContainer(fixedTag, { timeoutMs: 30_000 });
      expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({
        exitCode: 0,
        stdout: expect.stringMatching(/^mpc \d+\.\d+\.\d+\n$/),
      });
      const fixed = await scanArchive(fixedTag, dockerfile, fixedText);
      expect(fixed.findings.filter((f) => f.level === 'error')).toEqual([]);
    }, 300_000);
  }

  it('a library a RUN of the builder made: no COPY lines, the reason, the generic fix', async () => {
    if (!available) return;
    const text = readFileSync(path.join(SCENARIO_DIR, 'missing-library.Dockerfile'), 'utf8');
    const tag = await buildScenario('missing-library');
    failsToLoad(await runContainer(tag, { timeoutMs: 30_000 }), 'libgreet.so.1');
    const report = await scanArchive(tag, 'scenarios/missing-library.Dockerfile', text);
    const [finding] = eg103(report);
    expect(finding!.libraryClosure).toEqual({
      kind: 'unavailable',
      from: 'build',
      image: 'exit139-guard-test/go-builder:local',
      reason:
        "libgreet.so.1 is not where the loader of exit139-guard-test/go-builder:local (the base of stage build) looks (made or installed by a RUN? copy it from where it lands, to a folder the final image's loader searches)",
      builderRead: true,
    });
    const comment = renderMarkdown(report, {
      failOn: 'error',
      level: 'warning',
      dockerfileText: text,
      repositoryRoot: path.dirname(SCENARIO_DIR),
    });
    expect(comment).not.toContain('**Fix** in your Dockerfile');
    expect(comment).toContain(
      [
        '**Why no exact `COPY --from` lines**',
        '',
        '```text',
        "libgreet.so.1 is not where the loader of exit139-guard-test/go-builder:local (the base of stage build) looks (made or installed by a RUN? copy it from where it lands, to a folder the final image's loader searches)",
        '```',
      ].join('\n'),
    );
  }, 300_000);

  it('two programs whose closures put different libc.so.6 at one path: no COPY lines, the clash', async () => {
    if (!available) return;
    await ensureBaseImages(['bullseye']);
    const text = [
      'FROM exit139-guard-test/go-builder:local AS build',
      'WORKDIR /src',
      'COPY src/ ./',
      'RUN mkdir -p /out && gcc -O1 -o /out/app c/hello.c',
      'FROM scratch',
      'COPY --from=build /out/app /app',
      'COPY --from=exit139-guard-test/bullseye:local /bin/true /true',
      'ENTRYPOINT ["/app"]',
      '',
    ].join('\n');
    const file = path.join(work, 'clash.Dockerfile');
    writeFileSync(file, text);
    const tag = 'exit139-guard-scenario/library-closure-clash:test';
    await dockerBuild(SCENARIO_DIR, { tag, dockerfile: file });
    const run = await runContainer(tag, { timeoutMs: 30_000 });
    expect(run.engineError ?? run.stderr).toContain('exec /app: no such file or directory');
    const report = await scanArchive(tag, 'Dockerfile', text);
    const clash =
      'the programs of this image need different files at /lib64/ld-linux-x86-64.so.2 (--from=build /lib64/ld-linux-x86-64.so.2 and --from=exit139-guard-test/bullseye:local /lib64/ld-linux-x86-64.so.2): one image holds one; build them against one C library (one builder stage), or use a base image with a C library new enough for all';
    expect(
      ofRule(report, 'EG101').map((f) => [
        f.path,
        f.libraryClosure?.kind,
        f.libraryClosure && 'reason' in f.libraryClosure ? f.libraryClosure.reason : null,
      ]),
    ).toEqual([
      ['/app', 'unavailable', clash],
      ['/true', 'unavailable', clash],
    ]);
    expect(userLineEdits('EG101', ofRule(report, 'EG101'), text)).toEqual([]);
  }, 300_000);

  it('a builder image over the size cap is not read: the reason says so', async () => {
    if (!available) return;
    const scenario = 'library-closure-bookworm';
    const text = readFileSync(path.join(SCENARIO_DIR, `${scenario}.Dockerfile`), 'utf8');
    const archive = path.join(work, 'image.tar');
    await saveImage(await buildScenario(scenario), archive);
    const report = await scan({
      source: { kind: 'archive', path: archive },
      dockerfile: { path: 'Dockerfile', text },
      builderImages: { dockerHost: dockerHost(), maxImageBytes: 64 * 1024 ** 2 },
    });
    rmSync(archive, { force: true });
    expect(eg103(report)[0]!.libraryClosure).toEqual({
      kind: 'unavailable',
      from: 'build',
      image: 'exit139-guard-test/go-builder:local',
      reason: expect.stringMatching(
        /^exit139-guard-test\/go-builder:local is \d+ MiB; builders over 64 MiB are not read for exact COPY lines \(ldd in that stage lists the files\)$/,
      ),
      builderRead: false,
    });
  }, 300_000);

  it('a builder base the engine does not have: says to pull it', async () => {
    if (!available) return;
    const scenario = 'library-closure-bookworm';
    const text = readFileSync(path.join(SCENARIO_DIR, `${scenario}.Dockerfile`), 'utf8').replace(
      'exit139-guard-test/go-builder:local',
      'exit139-guard-test/never-pulled:local',
    );
    const report = await scanArchive(await buildScenario(scenario), 'Dockerfile', text);
    expect(eg103(report)[0]!.libraryClosure).toEqual({
      kind: 'unavailable',
      from: 'build',
      image: 'exit139-guard-test/never-pulled:local',
      reason:
        'exit139-guard-test/never-pulled:local is not in the Docker Engine: pull it (docker pull exit139-guard-test/never-pulled:local) for the exact COPY lines',
      builderRead: false,
    });
  }, 300_000);

  it('without an engine to ask, the finding says so; without builderImages, nothing is asked', async () => {
    if (!available) return;
    const scenario = 'library-closure-bookworm';
    const text = readFileSync(path.join(SCENARIO_DIR, `${scenario}.Dockerfile`), 'utf8');
    const archive = path.join(work, 'image.tar');
    await saveImage(await buildScenario(scenario), archive);
    const noEngine = `unix://${path.join(work, 'no-engine.sock')}`;
    const source = { kind: 'archive' as const, path: archive };
    const dockerfile = { path: 'Dockerfile', text };
    const asked = await scan({ source, dockerfile, builderImages: { dockerHost: noEngine } });
    const notAsked = await scan({ source, dockerfile });
    rmSync(archive, { force: true });
    expect(eg103(asked)[0]!.libraryClosure).toEqual({
      kind: 'unavailable',
      from: 'build',
      image: 'exit139-guard-test/go-builder:local',
      reason: `no Docker Engine answered at ${noEngine}: the exact COPY lines need exit139-guard-test/go-builder:local from it`,
      builderRead: false,
    });
    expect(eg103(notAsked)[0]!.message).toBe(
      'libmpc.so.3, needed by /app, is not found by the loader',
    );
    expect(eg103(notAsked)[0]!.libraryClosure).toBeUndefined();
  }, 300_000);
});
