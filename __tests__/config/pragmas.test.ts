import { describe, expect, it } from '@jest/globals';
import { parsePragmas } from '../../src/config/index.js';
import { thrownMessage } from '../support/thrown.js';

const errorOf = (text: string): string => thrownMessage(() => parsePragmas(text, 'Dockerfile'));

describe('inline pragmas', () => {
  it('apply to the instruction right below, over its continuation lines', () => {
    const dockerfile = [
      'FROM golang:1.22 AS build', // 1
      'RUN go build -o /out/app .', // 2
      'FROM debian:bookworm-slim', // 3
      '# exit139-guard ignore=EG103,EG105 reason="libcuda is mounted by the \\"nvidia\\" runtime" expires=2026-12-31', // 4
      '# another comment', // 5
      'COPY --from=build \\', // 6
      '  # a comment inside the instruction', // 7
      '  /out/app /app', // 8
      '# exit139-guard ignore=EG301 reason=overridden-by-k8s', // 9
      'ENTRYPOINT ["/app"]', // 10
    ].join('\n');
    expect(parsePragmas(dockerfile, 'Dockerfile')).toEqual([
      {
        rules: ['EG103', 'EG105'],
        reason: 'libcuda is mounted by the "nvidia" runtime',
        expires: '2026-12-31',
        startLine: 6,
        endLine: 8,
        source: 'Dockerfile:4',
      },
      {
        rules: ['EG301'],
        reason: 'overridden-by-k8s',
        expires: null,
        startLine: 10,
        endLine: 10,
        source: 'Dockerfile:9',
      },
    ]);
  });

  it('follow the escape directive and heredocs', () => {
    const dockerfile = [
      '# escape=`', // 1
      'FROM mcr.microsoft.com/windows/servercore', // 2
      '# exit139-guard ignore=EG303 reason="run through sh"', // 3
      'COPY <<EOF /entrypoint.sh', // 4
      '#!/bin/bash', // 5
      'echo hi `', // 6
      'EOF', // 7
      'RUN echo done', // 8
    ].join('\n');
    expect(parsePragmas(dockerfile, 'Dockerfile').map((p) => [p.startLine, p.endLine])).toEqual([
      [4, 7],
    ]);
  });

  it.each([
    [
      'FROM scratch\n# exit139-guard ignore=EG999 reason="x"\nCOPY a /a\n',
      "Dockerfile:2:24: unknown rule 'EG999' (the README's Rules section lists the rule ids)",
    ],
    [
      'FROM scratch\n# exit139-guard ignore=EG101\nCOPY a /a\n',
      'Dockerfile:2:17: the pragma needs reason="..." saying why the finding does not apply',
    ],
    [
      'FROM scratch\n# exit139-guard ignore=EG101 because="x"\nCOPY a /a\n',
      "Dockerfile:2:30: unknown pragma field 'because' (expected ignore, reason, expires)",
    ],
    [
      'FROM scratch\n# exit139-guard ignore=EG101 reason="x" oops\nCOPY a /a\n',
      'Dockerfile:2:41: expected key=value in the exit139-guard pragma (ignore=EG101 reason="...")',
    ],
    [
      'FROM scratch\n# exit139-guard ignore=EG101 reason="x"\n\nCOPY a /a\n',
      'Dockerfile:2:1: the exit139-guard pragma must be directly above the instruction it applies to',
    ],
    [
      'FROM scratch\nCOPY a /a\n# exit139-guard ignore=EG101 reason="x"',
      'Dockerfile:3:1: the exit139-guard pragma is not followed by an instruction',
    ],
  ])('reject %j naming Dockerfile:line:column', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });
});
