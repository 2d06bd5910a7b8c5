import { describe, expect, it } from '@jest/globals';
import type { Finding, Level } from '../../src/findings.js';
import { planAnnotations } from '../../src/report/annotations.js';
import { exampleFindings, exampleReport, range } from './fixtures.js';

const REPO = '/home/runner/work/acme/acme';
const DOCKERFILE = `${REPO}/Dockerfile`;

function finding(level: Level, i: number): Finding {
  return {
    ruleId: level === 'error' ? 'EG103' : level === 'warning' ? 'EG401' : 'EG501',
    level,
    path: `/usr/bin/tool-${i}`,
    message: `finding ${i}`,
    evidence: [],
    dockerfile: range(10 + i, 'placed', `COPY tool-${i} /usr/bin/`, DOCKERFILE),
    related: [],
    suppression: null,
  };
}

describe('annotations', () => {
  it('annotate the blamed Dockerfile lines, most severe first, without suppressed findings', () => {
    const annotations = planAnnotations(exampleReport(exampleFindings(DOCKERFILE), DOCKERFILE), {
      repositoryRoot: REPO,
    });
    expect(
      annotations.map((a) => [
        a.level,
        a.properties.title,
        a.properties.file,
        a.properties.startLine,
      ]),
    ).toEqual([
      ['error', 'EG101 interpreter-missing: /server', 'Dockerfile', 7],
      ['error', 'EG202 cgo-dynamic-on-static-base: /server', 'Dockerfile', 7],
      ['error', 'EG303 shebang-interpreter-missing: /entrypoint.sh', 'Dockerfile', 8],
      ['warning', 'EG401 ca-certificates-missing: /server', 'Dockerfile', 7],
    ]);
    expect(annotations[0]!.message).toBe(
      'The ELF interpreter /lib64/ld-linux-x86-64.so.2 of /server is not in the image.\nAt run time: exec /server: no such file or directory',
    );
  });

  it('keep within 10 per level and count the rest in one notice', () => {
    const findings = [
      ...Array.from({ length: 3 }, (_, i) => finding('note', i)),
      ...Array.from({ length: 12 }, (_, i) => finding('warning', i)),
      ...Array.from({ length: 14 }, (_, i) => finding('error', i)),
    ];
    const annotations = planAnnotations(exampleReport(findings, DOCKERFILE), {
      repositoryRoot: REPO,
    });
    const count = (level: string) => annotations.filter((a) => a.level === level).length;
    expect([count('error'), count('warning'), count('notice')]).toEqual([10, 10, 4]);
    expect(annotations.slice(0, 10).map((a) => a.properties.startLine)).toEqual([
      10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
    expect(annotations.at(-1)).toEqual({
      level: 'notice',
      message:
        '6 more findings are not annotated (4 errors, 2 warnings): GitHub shows at most 10 annotations per level in a step. The job summary and the SARIF report list all of them.',
      properties: { title: 'exit139-guard: more findings than annotations' },
    });
  });

  it('leave a notice slot for the count when notes overflow', () => {
    const findings = Array.from({ length: 11 }, (_, i) => finding('note', i));
    const annotations = planAnnotations(exampleReport(findings, DOCKERFILE), {
      repositoryRoot: REPO,
    });
    expect(annotations).toHaveLength(10);
    expect(annotations.at(-1)!.message).toMatch(/^2 more findings are not annotated \(2 notes\)/);
  });
});
