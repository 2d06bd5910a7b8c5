/**
 * Fingerprints for `--baseline`: a finding about a container of a manifest is told apart by its
 * workload and container (a pull request that adds a broken CronJob beside an old broken Pod
 * adds a finding), and survives a move of its lines; image findings keep their fingerprints.
 */
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { Finding, ManifestRange } from '../../src/findings.js';
import { fingerprintOf, markBaseline, readBaseline } from '../../src/report/baseline.js';
import { formatJson } from '../../src/report/json.js';
import { exampleReport } from './fixtures.js';

function onContainer(workload: string, container: string, line: number): Finding {
  const manifest: ManifestRange = {
    path: 'k8s/pods.yaml',
    startLine: line,
    endLine: line,
    workload,
    container,
    containerKind: 'container',
    field: 'securityContext.runAsGroup',
  };
  return {
    ruleId: 'EG404',
    level: 'error',
    path: null,
    message: `${workload} container ${container}: user app:1000: no user 'app' in the image's /etc/passwd`,
    evidence: ['/etc/passwd defines no user named app'],
    dockerfile: null,
    related: [],
    suppression: null,
    manifest,
  };
}

describe('baseline fingerprints', () => {
  it('tell workloads and containers apart, not lines', () => {
    const old = fingerprintOf(onContainer('Pod/old', 'app', 10));
    expect(fingerprintOf(onContainer('Pod/old', 'app', 42))).toBe(old);
    expect(fingerprintOf(onContainer('CronJob/nightly', 'app', 10))).not.toBe(old);
    expect(fingerprintOf(onContainer('Pod/old', 'sidecar', 10))).not.toBe(old);
  });

  it('keep the fingerprint of a finding about the image (rule, path, what is missing)', () => {
    const finding: Finding = {
      ruleId: 'EG103',
      level: 'error',
      path: '/app',
      message: 'libssl.so.3, needed by /app, is not found by the loader',
      evidence: [],
      dockerfile: null,
      related: [],
      suppression: null,
    };
    const before = createHash('sha256')
      .update(JSON.stringify(['EG103', '/app', ['libssl.so.3']]))
      .digest('hex')
      .slice(0, 16);
    expect(fingerprintOf(finding)).toBe(before);
  });

  it('a broken workload the pull request adds is new beside one the base branch had', () => {
    const base = exampleReport([onContainer('Pod/old', 'app', 10)], 'Dockerfile');
    const head = exampleReport(
      [onContainer('Pod/old', 'app', 12), onContainer('CronJob/nightly', 'job', 30)],
      'Dockerfile',
    );
    const marked = markBaseline(head, readBaseline(formatJson(base), 'base.json'));
    expect(marked.findings.map((f) => [f.manifest!.workload, f.baselineState])).toEqual([
      ['Pod/old', 'unchanged'],
      ['CronJob/nightly', 'new'],
    ]);
  });
});
