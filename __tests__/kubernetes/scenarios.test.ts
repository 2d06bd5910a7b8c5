import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding, ScanReport } from '../../src/findings.js';
import { toSarif } from '../../src/report/sarif.js';
import { findingRuntimeError } from '../../src/rules/catalog.js';
import { scan } from '../../src/scan.js';
import {
  engine,
  ensureBaseImages,
  runContainer,
  saveImage,
  type RunOptions,
  type RunResult,
} from '../support/engine.js';
import { validateSarif } from '../report/sarif-validator.js';
import { buildScenario, REPO, SCENARIO_DIR, scenarioTag } from '../support/scenarios.js';

/**
 * The pod spec decides how the image starts. Each container of the fixture manifests overrides
 * the image's start (command, args, workingDir, env, runAsUser); the engine runs the same
 * override (`--entrypoint`, `--user`, `--workdir`, `--env`) and its fate is the truth: a
 * container that the engine cannot start has an error finding placed on its manifest lines, its
 * working twin has none. The kubelet's own refusals (runAsNonRoot) have no engine equivalent:
 * for those the image starts under `docker run` as configured, and the finding carries the
 * kubelet's exact error, from pkg/kubelet/kuberuntime/security_context_others.go
 * verifyRunAsNonRoot.
 */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'scenarios');
const MANIFESTS = {
  'k8s-root-image': path.join(FIXTURES, 'root-image.yaml'),
  'k8s-named-user': path.join(FIXTURES, 'named-user.yaml'),
} as const;
type ScenarioName = keyof typeof MANIFESTS;

interface PodCase {
  scenario: ScenarioName;
  workload: string;
  container: string;
  /** The same start in the engine. */
  run: RunOptions;
  /** The rule of the error finding when the engine (or the kubelet) refuses; null when it starts. */
  rule: string | null;
  /** The manifest line the finding is placed on. */
  line?: number;
  /** For the kubelet's refusals: its exact error (the pod name and uid are the cluster's). */
  kubelet?: string;
}

const CASES: PodCase[] = [
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'migrate',
    run: { entrypoint: ['/usr/local/bin/migrate'] },
    rule: 'EG301',
    line: 17,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'migrate-ok',
    run: { entrypoint: ['/usr/local/bin/hello'] },
    rule: null,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'plain',
    run: {},
    rule: null,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'runas',
    run: { user: '1000' },
    rule: 'EG302',
    line: 27,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'runas-ok',
    run: { user: '1000', entrypoint: ['hello'] },
    rule: null,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'workdir',
    run: { workdir: '/data' },
    rule: 'EG301',
    line: 35,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'workdir-ok',
    run: { workdir: '/opt' },
    rule: null,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'path',
    run: { entrypoint: ['hello'], env: ['TOOL=hello', 'PATH=/nowhere'] },
    rule: 'EG301',
    line: 41,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Deployment/shop',
    container: 'path-ok',
    run: { entrypoint: ['hello'], env: ['TOOL=hello', 'PATH=/usr/local/bin'] },
    rule: null,
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Pod/strict',
    container: 'app',
    run: {},
    rule: 'EG601',
    line: 62,
    kubelet:
      'Error: container has runAsNonRoot and image will run as root (pod: "strict_default(…)", container: app)',
  },
  {
    scenario: 'k8s-root-image',
    workload: 'Pod/strict-ok',
    container: 'app',
    run: { user: '1000', entrypoint: ['/usr/local/bin/hello'] },
    rule: null,
  },
  {
    scenario: 'k8s-named-user',
    workload: 'Job/report',
    container: 'report',
    run: {},
    rule: 'EG601',
    line: 13,
    kubelet:
      'Error: container has runAsNonRoot and image has non-numeric user (nonroot), cannot verify user is non-root (pod: "report-…_batch(…)", container: report)',
  },
  {
    scenario: 'k8s-named-user',
    workload: 'Job/report-ok',
    container: 'report',
    run: { user: '65532' },
    rule: null,
  },
  {
    scenario: 'k8s-named-user',
    workload: 'Pod/script',
    container: 'run',
    run: { cmd: ['/run.sh'] },
    rule: 'EG303',
    line: 43,
  },
  {
    scenario: 'k8s-named-user',
    workload: 'Pod/script',
    container: 'run-ok',
    run: { cmd: ['/app'] },
    rule: null,
  },
];

let available = false;
const reports = new Map<ScenarioName, ScanReport>();
const runs = new Map<PodCase, RunResult>();
const work = mkdtempSync(path.join(tmpdir(), 'k8s-scenarios-'));

beforeAll(async () => {
  if (!(await engine('kubernetes scenarios'))) return;
  available = true;
  await ensureBaseImages(['goBuilder', 'alpineLike', 'distrolessStatic']);
  for (const name of Object.keys(MANIFESTS) as ScenarioName[]) {
    const tag = await buildScenario(name);
    const archive = path.join(work, `${name}.tar`);
    await saveImage(tag, archive);
    reports.set(
      name,
      await scan({
        source: { kind: 'archive', path: archive },
        dockerfile: {
          path: `scenarios/${name}.Dockerfile`,
          text: readFileSync(path.join(SCENARIO_DIR, `${name}.Dockerfile`), 'utf8'),
        },
        manifests: {
          paths: [MANIFESTS[name]],
          images: [scenarioTag(name), 'registry.internal/shop/app'],
        },
      }),
    );
  }
  for (const podCase of CASES)
    runs.set(
      podCase,
      await runContainer(scenarioTag(podCase.scenario), { ...podCase.run, timeoutMs: 30_000 }),
    );
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function findingsOf(podCase: PodCase): Finding[] {
  return (reports.get(podCase.scenario)?.findings ?? []).filter(
    (f) => f.manifest?.workload === podCase.workload && f.manifest.container === podCase.container,
  );
}

describe('containers of pod specs, started by the engine with the same overrides, then scanned', () => {
  it.each(CASES.map((c) => [`${c.workload} ${c.container}`, c] as const))(
    '%s',
    (_label, podCase) => {
      if (!available) return;
      const run = runs.get(podCase)!;
      const errors = findingsOf(podCase).filter((f) => f.level === 'error');
      if (podCase.kubelet) {
        // The kubelet refuses before the runtime is asked: the engine itself starts the image.
        expect(run.exitCode).toBe(0);
        expect(errors.map((f) => [f.ruleId, f.runtimeError])).toEqual([
          [podCase.rule, podCase.kubelet],
        ]);
      } else if (podCase.rule === null) {
        expect(run.exitCode).toBe(0);
        expect(errors).toEqual([]);
      } else {
        expect(run.exitCode).not.toBe(0);
        expect(errors.map((f) => f.ruleId)).toEqual([podCase.rule]);
        // What the finding says the container prints is what the engine printed.
        const printed = run.engineError ?? run.stderr;
        expect(printed).toContain(findingRuntimeError(errors[0]!));
      }
      if (podCase.rule !== null) {
        expect(errors[0]!.manifest).toMatchObject({
          path: MANIFESTS[podCase.scenario],
          startLine: podCase.line,
        });
        expect(errors[0]!.message.startsWith(`${podCase.workload} `)).toBe(true);
      }
    },
  );

  it('the images alone start, and have no error finding', () => {
    if (!available) return;
    for (const report of reports.values()) {
      expect(report.findings.filter((f) => f.level === 'error' && !f.manifest)).toEqual([]);
    }
  });

  it('names the container and places the finding in the YAML, with the Dockerfile line related', () => {
    if (!available) return;
    const report = reports.get('k8s-root-image')!;
    const migrate = report.findings.find((f) => f.manifest?.container === 'migrate')!;
    expect(migrate.message).toBe(
      'Deployment/shop initContainer migrate: The entrypoint /usr/local/bin/migrate does not exist in the image',
    );
    const runas = report.findings.find((f) => f.manifest?.container === 'runas')!;
    expect([runas.message, runas.manifest!.field]).toEqual([
      'Deployment/shop container runas: runAsUser 1000 (uid 1000, gid 0) may not execute /opt/bin/app',
      'securityContext.runAsUser',
    ]);
    const sarif = toSarif({ ...report, findings: [migrate] }, { repositoryRoot: REPO, cwd: REPO });
    const result = sarif.runs[0]!.results![0]!;
    expect(result.locations![0]!.physicalLocation).toEqual({
      artifactLocation: {
        uri: '__tests__/kubernetes/fixtures/scenarios/root-image.yaml',
        uriBaseId: 'SRCROOT',
      },
      region: { startLine: 17, endLine: 17 },
    });
    expect(result.relatedLocations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'scenarios/k8s-root-image.Dockerfile', uriBaseId: 'SRCROOT' },
      region: { startLine: 15, endLine: 15 },
    });
  });

  it('writes SARIF with manifest locations that the SARIF multitool and GitHub ingestion rules accept', () => {
    if (!available) return;
    const files = [...reports].map(([name, report]) => {
      const file = path.join(work, `${name}.sarif`);
      writeFileSync(file, JSON.stringify(toSarif(report, { repositoryRoot: REPO, cwd: REPO })));
      return file;
    });
    const problems = [
      ...validateSarif(files, 'default').filter((m) => m.level !== 'note'),
      ...validateSarif(files, 'Gh'),
    ];
    expect(problems).toEqual([]);
  });

  it('lists the containers that run the image, initContainers first, and skips the Service', () => {
    if (!available) return;
    const manifests = reports.get('k8s-root-image')!.manifests!;
    expect(manifests.files).toEqual([MANIFESTS['k8s-root-image']]);
    expect(
      manifests.containers.map((c) => `${c.workload} ${c.containerKind} ${c.container}`),
    ).toEqual([
      'Deployment/shop initContainer migrate',
      'Deployment/shop initContainer migrate-ok',
      'Deployment/shop container plain',
      'Deployment/shop container runas',
      'Deployment/shop container runas-ok',
      'Deployment/shop container workdir',
      'Deployment/shop container workdir-ok',
      'Deployment/shop container path',
      'Deployment/shop container path-ok',
      'Pod/strict container app',
      'Pod/strict-ok container app',
    ]);
    expect(manifests.notices).toEqual([]);
  });
});

describe('a USER name the image does not define, and a pod that sets runAsUser', () => {
  const manifest = path.join(FIXTURES, 'unknown-user.yaml');
  const scenario = 'user-name-missing';

  async function scanWith(podsOnly: boolean): Promise<ScanReport> {
    const archive = path.join(work, `${scenario}.tar`);
    await saveImage(scenarioTag(scenario), archive);
    try {
      return await scan({
        source: { kind: 'archive', path: archive },
        manifests: { paths: [manifest], images: [scenarioTag(scenario)], podsOnly },
      });
    } finally {
      rmSync(archive, { force: true });
    }
  }

  it('the engine refuses the name and starts the uid; the finding follows the pod spec', async () => {
    if (!available) return;
    await buildScenario(scenario);
    const byName = await runContainer(scenarioTag(scenario), { timeoutMs: 30_000 });
    const byUid = await runContainer(scenarioTag(scenario), { user: '1000', timeoutMs: 30_000 });
    const byGroup = await runContainer(scenarioTag(scenario), {
      user: 'app:1000',
      timeoutMs: 30_000,
    });
    expect(byUid.exitCode).toBe(0);
    expect(byName.exitCode).not.toBe(0);
    expect(byGroup.exitCode).not.toBe(0);

    // The image alone (docker run) keeps its error, once; the pod with runAsUser has none; the
    // one with runAsGroup has its own (`app:1000`, placed on its runAsGroup line).
    const cli = await scanWith(false);
    const eg404 = cli.findings.filter((f) => f.ruleId === 'EG404');
    expect(eg404.map((f) => f.manifest?.workload ?? 'image')).toEqual(['image', 'Pod/by-group']);
    expect(byGroup.engineError).toContain(eg404[1]!.runtimeError);
    expect(byName.engineError).toContain(eg404[0]!.runtimeError);

    // The admission webhook judges pods only: the ones that keep the image's user name (alone, or
    // with runAsGroup, which the kubelet completes with that name) are refused, on their
    // container; the one with runAsUser is not.
    const pods = await scanWith(true);
    expect(
      pods.findings
        .filter((f) => f.ruleId === 'EG404')
        .map((f) => [f.manifest?.workload, f.manifest?.container, f.level]),
    ).toEqual([
      ['Pod/by-name', 'app', 'error'],
      ['Pod/by-group', 'app', 'error'],
    ]);
  }, 300_000);
});
