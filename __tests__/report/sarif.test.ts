import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as sarif from 'sarif';
import type { Finding } from '../../src/findings.js';
import { toSarif } from '../../src/report/sarif.js';
import { RULE_CATALOG } from '../../src/rules/catalog.js';
import { exampleFindings, exampleReport, range } from './fixtures.js';
import { validateSarif } from './sarif-validator.js';

const REPO = '/home/runner/work/acme/acme';
const DOCKERFILE = `${REPO}/services/api/Dockerfile`;
const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string })
  .version;

function sarifFor(findings: Finding[] = exampleFindings(DOCKERFILE), options = {}): sarif.Run {
  const log = toSarif(exampleReport(findings, DOCKERFILE), { repositoryRoot: REPO, ...options });
  expect(log.version).toBe('2.1.0');
  expect(log.runs).toHaveLength(1);
  return log.runs[0]!;
}

/** The same findings with every Dockerfile line moved down by `by` (an unrelated edit above). */
function shifted(findings: Finding[], by: number): Finding[] {
  const move = <T extends { startLine: number; endLine: number }>(r: T): T => ({
    ...r,
    startLine: r.startLine + by,
    endLine: r.endLine + by,
  });
  return findings.map((f) => ({
    ...f,
    dockerfile: f.dockerfile && move(f.dockerfile),
    related: f.related.map(move),
  }));
}

describe('SARIF', () => {
  it('names the tool with the package version and lists every rule with its help', () => {
    const run = sarifFor();
    expect(run.tool.driver.name).toBe('exit139-guard');
    expect(run.tool.driver.version).toBe(packageVersion);
    expect(run.tool.driver.informationUri).toMatch(/^https:\/\//);
    const rules = run.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(RULE_CATALOG.map((r) => r.id));
    const eg104 = rules.find((r) => r.id === 'EG104')!;
    expect(eg104.name).toBe('symbol-version-missing');
    expect(eg104.defaultConfiguration?.level).toBe('error');
    expect(eg104.help?.markdown).toContain("version `GLIBC_2.34' not found");
    expect(eg104.help?.markdown).toContain('```diff');
    expect(eg104.help?.text).not.toContain('```');
    expect(eg104.properties?.precision).toBe('very-high');
    expect(eg104.properties?.tags).toContain('loader');
    expect(rules.find((r) => r.id === 'EG204')!.defaultConfiguration?.level).toBe('note');
  });

  it('puts a result on the blamed Dockerfile line, relative to the repository root, with the image path as a logical location', () => {
    const run = sarifFor();
    const eg202 = run.results!.find((r) => r.ruleId === 'EG202')!;
    expect(eg202.level).toBe('error');
    expect(run.tool.driver.rules![eg202.ruleIndex!]!.id).toBe('EG202');
    expect(eg202.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'services/api/Dockerfile', uriBaseId: 'SRCROOT' },
          region: { startLine: 7, endLine: 7 },
        },
        logicalLocations: [{ name: 'server', fullyQualifiedName: '/server', kind: 'resource' }],
      },
    ]);
    expect(eg202.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: {
          artifactLocation: { uri: 'services/api/Dockerfile', uriBaseId: 'SRCROOT' },
          region: { startLine: 4, endLine: 4 },
        },
        message: { text: 'The instruction that built the file.' },
      },
      {
        id: 2,
        physicalLocation: {
          artifactLocation: { uri: 'services/api/Dockerfile', uriBaseId: 'SRCROOT' },
          region: { startLine: 6, endLine: 6 },
        },
        message: { text: 'The base image of the stage.' },
      },
    ]);
    expect(eg202.message.text).toBe(
      'The cgo-enabled Go binary /server is dynamically linked, and the final stage is FROM scratch.\n' +
        'At run time: exec /server: no such file or directory\n' +
        'Evidence: go build info: CGO_ENABLED=1 GOOS=linux GOARCH=amd64; PT_INTERP /lib64/ld-linux-x86-64.so.2 (missing); ' +
        'the Dockerfile leaves CGO_ENABLED unset at line 4: Go default 1 (gcc present in golang:1.22)',
    );
  });

  it('never uses an image path as a URI', () => {
    const run = sarifFor();
    const uris = JSON.stringify(run.results).match(/"uri":"[^"]*"/g)!;
    expect(new Set(uris)).toEqual(new Set(['"uri":"services/api/Dockerfile"']));
    expect(run.originalUriBaseIds).toEqual({ SRCROOT: { uri: `file://${REPO}/` } });
  });

  it('places a finding without a line of its own on the final stage FROM', () => {
    const imageWide: Finding = {
      ruleId: 'EG205',
      level: 'error',
      path: null,
      message: 'The image is linux/arm64 but the Dockerfile builds GOARCH=amd64.',
      evidence: [],
      dockerfile: null,
      related: [],
      suppression: null,
    };
    const result = sarifFor([imageWide]).results![0]!;
    expect(result.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'services/api/Dockerfile', uriBaseId: 'SRCROOT' },
          region: { startLine: 6, endLine: 6 },
        },
      },
    ]);
  });

  it('keeps fingerprints across runs and unrelated edits, and changes them with the rule, path or instruction', () => {
    const hashes = (findings: Finding[]) =>
      sarifFor(findings).results!.map((r) => r.partialFingerprints!.primaryLocationLineHash);
    const base = hashes(exampleFindings(DOCKERFILE));
    expect(base.every((h) => /^[0-9a-f]{16}:1$/.test(h))).toBe(true);
    expect(new Set(base).size).toBe(base.length);
    expect(hashes(exampleFindings(DOCKERFILE))).toEqual(base);
    expect(hashes(shifted(exampleFindings(DOCKERFILE), 3))).toEqual(base);

    const [first] = exampleFindings(DOCKERFILE);
    const [renamed] = hashes([{ ...first!, path: '/srv/server' }]);
    const [recopied] = hashes([
      {
        ...first!,
        dockerfile: range(7, 'placed', 'COPY --from=build /out/server /srv/', DOCKERFILE),
      },
    ]);
    expect(renamed).not.toBe(base[0]);
    expect(recopied).not.toBe(base[0]);
  });

  it('numbers repeated fingerprints', () => {
    const [first] = exampleFindings(DOCKERFILE);
    const hashes = sarifFor([first!, first!]).results!.map(
      (r) => r.partialFingerprints!.primaryLocationLineHash,
    );
    expect(hashes[0]!.replace(/:1$/, ':2')).toBe(hashes[1]);
  });

  it('derives the category from Dockerfile, target and platform, never from the image tag', () => {
    const id = (report = exampleReport(exampleFindings(DOCKERFILE), DOCKERFILE), options = {}) =>
      toSarif(report, { repositoryRoot: REPO, ...options }).runs[0]!.automationDetails!.id;
    const report = exampleReport(exampleFindings(DOCKERFILE), DOCKERFILE);
    expect(id(report)).toBe('exit139-guard/services/api/Dockerfile/-/linux/amd64/');
    expect(id({ ...report, image: { ...report.image, ref: 'ghcr.io/acme/server:pr-43' } })).toBe(
      id(report),
    );
    expect(id({ ...report, dockerfile: { ...report.dockerfile!, target: 'runtime' } })).toBe(
      'exit139-guard/services/api/Dockerfile/runtime/linux/amd64/',
    );
    expect(id(report, { platform: 'linux/arm64' })).toBe(
      'exit139-guard/services/api/Dockerfile/-/linux/arm64/',
    );
    expect(id(report, { category: 'api-image' })).toBe('api-image/');
  });

  it('keeps suppressed findings, with their justification', () => {
    const eg501 = sarifFor().results!.find((r) => r.ruleId === 'EG501')!;
    expect(eg501.suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: 'hardening is tracked in PLAT-12',
        properties: { source: '.exit139-guard.yml:4' },
      },
    ]);
  });

  it('passes the SARIF multitool validator, with its default rules and with GitHub ingestion rules', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-sarif-'));
    const file = path.join(dir, 'report.sarif');
    const log = toSarif(exampleReport(exampleFindings(DOCKERFILE), DOCKERFILE), {
      repositoryRoot: REPO,
      versionControl: { repositoryUri: 'https://github.com/acme/acme', revisionId: 'f'.repeat(40) },
    });
    writeFileSync(file, JSON.stringify(log, null, 2));
    const defaults = validateSarif(file, 'default');
    expect(defaults.filter((m) => m.level !== 'note')).toEqual([]);
    // The remaining notes are advice that does not apply here, e.g. SARIF2012 asks for
    // PascalCase rule names while our names are the design's kebab-case ids.
    expect(new Set(defaults.map((m) => m.ruleId))).toEqual(
      new Set(['SARIF2002', 'SARIF2006', 'SARIF2010', 'SARIF2011', 'SARIF2012']),
    );
    expect(validateSarif(file, 'Gh')).toEqual([]);
  });
});
