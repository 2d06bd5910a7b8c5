import { describe, expect, it } from '@jest/globals';
import { applyPolicy, EMPTY_CONFIG, parseConfig, parsePragmas } from '../../src/config/index.js';
import { exampleFindings, exampleReport, EXAMPLE_DOCKERFILE } from '../report/fixtures.js';

const TODAY = new Date('2026-11-27T08:00:00Z');

function report() {
  // The fixture's EG501 comes pre-suppressed; start from a report without suppressions.
  return exampleReport(exampleFindings().map((f) => ({ ...f, suppression: null })));
}

describe('applying the policy', () => {
  it('changes nothing without config or pragmas', () => {
    const before = report();
    expect(applyPolicy(before, EMPTY_CONFIG, [], { today: TODAY })).toEqual(before);
  });

  it('sets levels, drops disabled rules and ignored paths, and recounts', () => {
    const config = parseConfig(
      'rules:\n  EG401: error\n  EG501: off\nignore-paths:\n  - /entry*.sh\n',
      '.exit139-guard.yml',
    );
    const after = applyPolicy(report(), config, [], { today: TODAY });
    expect(after.findings.map((f) => [f.ruleId, f.level, f.path])).toEqual([
      ['EG202', 'error', '/server'],
      ['EG101', 'error', '/server'],
      ['EG401', 'error', '/server'],
    ]);
    expect(after.summary).toMatchObject({ errors: 3, warnings: 0, notes: 0 });
  });

  it('marks config suppressions and pragma suppressions; they stop counting', () => {
    const config = parseConfig(
      'suppressions:\n  - rule: EG401\n    path: /serv*\n    reason: no outgoing TLS\n',
      '.exit139-guard.yml',
    );
    const lines = EXAMPLE_DOCKERFILE.split('\n');
    lines.splice(
      6,
      0,
      '# exit139-guard ignore=EG202,EG101 reason="rebuilt static in the next PR" expires=2026-11-27',
    );
    // The pragma is now line 7, above the COPY that moved to line 8: shift the fixture to match.
    const shifted = report();
    for (const f of shifted.findings)
      if (f.dockerfile && f.dockerfile.startLine >= 7)
        f.dockerfile = {
          ...f.dockerfile,
          startLine: f.dockerfile.startLine + 1,
          endLine: f.dockerfile.endLine + 1,
        };
    const after = applyPolicy(shifted, config, parsePragmas(lines.join('\n'), 'Dockerfile'), {
      today: TODAY,
    });
    expect(
      after.findings.map((f) => [
        f.ruleId,
        f.suppression && `${f.suppression.kind} ${f.suppression.source} ${f.suppression.reason}`,
      ]),
    ).toEqual([
      ['EG202', 'pragma Dockerfile:7 rebuilt static in the next PR'],
      ['EG101', 'pragma Dockerfile:7 rebuilt static in the next PR'],
      ['EG303', null],
      ['EG401', 'config .exit139-guard.yml:2 no outgoing TLS'],
      ['EG501', null],
    ]);
    expect(after.summary).toMatchObject({ errors: 1, warnings: 0, notes: 1 });
  });

  it('does not apply an expired suppression, and says so in the finding', () => {
    const config = parseConfig(
      'suppressions:\n  - rule: EG303\n    reason: bash comes in the next PR\n    expires: 2026-11-26\n',
      '.exit139-guard.yml',
    );
    const eg303 = applyPolicy(report(), config, [], { today: TODAY }).findings.find(
      (f) => f.ruleId === 'EG303',
    )!;
    expect(eg303.suppression).toBeNull();
    expect(eg303.evidence.at(-1)).toBe(
      'the suppression at .exit139-guard.yml:2 ("bash comes in the next PR") expired on 2026-11-26 and no longer applies',
    );
  });
});
