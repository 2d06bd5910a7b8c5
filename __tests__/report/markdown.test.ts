import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../../src/findings.js';
import { COMMENT_MAX_CHARS, renderMarkdown } from '../../src/report/markdown.js';
import { diffText, disableCgo, userLineEdits } from '../../src/report/fix.js';
import {
  cleanReport,
  EXAMPLE_DOCKERFILE,
  exampleFindings,
  exampleReport,
  range,
} from './fixtures.js';

const REPO = '/home/runner/work/acme/acme';
const DOCKERFILE = `${REPO}/services/api/Dockerfile`;
const LINKS = {
  serverUrl: 'https://github.com',
  repository: 'acme/acme',
  sha: 'c0ffee'.padEnd(40, '0'),
};

function render(findings: Finding[] = exampleFindings(DOCKERFILE), extra = {}) {
  return renderMarkdown(exampleReport(findings, DOCKERFILE), {
    repositoryRoot: REPO,
    failOn: 'error',
    links: LINKS,
    ...extra,
  });
}

/** The body without fenced code blocks, code spans and <code> elements, where nothing is rendered. */
function outsideCode(body: string): string {
  return body
    .replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '')
    .replace(/(`+)[\s\S]*?\1/g, '')
    .replace(/<code>[\s\S]*?<\/code>/g, '');
}

/** A finding about a file whose name an attacker chose. */
function hostile(name: string): Finding {
  return {
    ruleId: 'EG103',
    level: 'error',
    path: name,
    message: `The library libx.so.1 needed by ${name} is not found.`,
    evidence: [`needed by ${name}`, '```', '</details><img src=x onerror=alert(1)>'],
    dockerfile: range(7, 'placed', 'COPY --from=build /out/ /', DOCKERFILE),
    related: [],
    suppression: null,
  };
}

describe('the PR comment', () => {
  it('starts with the hidden marker, then the verdict and the counts', () => {
    const body = render(exampleFindings(DOCKERFILE), { marker: 'exit139-guard:abc' });
    expect(body.split('\n').slice(0, 5)).toEqual([
      '<!-- exit139-guard:abc -->',
      '### ❌ exit139-guard: this image will fail on start',
      '',
      '**3 errors, 1 warning, 0 notes** (1 suppressed) in `ghcr.io/acme/server:pr-42` (linux/amd64), built from `services/api/Dockerfile`.',
      '',
    ]);
  });

  it('has one table row per rule, most severe first, linked to the Dockerfile line at the PR head', () => {
    const rows = render()
      .split('\n')
      .filter((line) => line.startsWith('| '));
    expect(rows).toEqual([
      '| Level | Rule | Image paths | What fails at run time | Dockerfile |',
      '| --- | --- | --- | --- | --- |',
      '| 🛑 error | [EG101](https://github.com/exit139-guard/exit139-guard/blob/v0.1.0/docs/rules/EG101.md) interpreter-missing | `/server` | `exec /server: no such file or directory` | [services/api/Dockerfile\\:7](https://github.com/acme/acme/blob/c0ffee0000000000000000000000000000000000/services/api/Dockerfile#L7) |',
      '| 🛑 error | [EG202](https://github.com/exit139-guard/exit139-guard/blob/v0.1.0/docs/rules/EG202.md) cgo-dynamic-on-static-base | `/server` | `exec /server: no such file or directory` | [services/api/Dockerfile\\:7](https://github.com/acme/acme/blob/c0ffee0000000000000000000000000000000000/services/api/Dockerfile#L7) |',
      '| 🛑 error | [EG303](https://github.com/exit139-guard/exit139-guard/blob/v0.1.0/docs/rules/EG303.md) shebang-interpreter-missing | `/entrypoint.sh` | `exec /entrypoint.sh: no such file or directory` | [services/api/Dockerfile\\:8](https://github.com/acme/acme/blob/c0ffee0000000000000000000000000000000000/services/api/Dockerfile#L8) |',
      '| ⚠️ warning | [EG401](https://github.com/exit139-guard/exit139-guard/blob/v0.1.0/docs/rules/EG401.md) ca-certificates-missing | `/server` | `tls: failed to verify certificate: x509: certificate signed by unknown authority` | [services/api/Dockerfile\\:7](https://github.com/acme/acme/blob/c0ffee0000000000000000000000000000000000/services/api/Dockerfile#L7) |',
      '| Rule | Image path | Reason | Where |',
      '| --- | --- | --- | --- |',
      '| EG501 | `/server` | hardening is tracked in PLAT\\-12 | `.exit139-guard.yml:4` |',
    ]);
  });

  it('gives each rule a collapsible block with evidence and the fix as a Dockerfile diff', () => {
    const body = render();
    const block = body.slice(
      body.indexOf('<summary><b>EG202</b>'),
      body.indexOf('</details>', body.indexOf('<summary><b>EG202</b>')),
    );
    expect(block).toContain(
      '<summary><b>EG202</b> cgo-dynamic-on-static-base: cgo-enabled dynamic Go binary on a base without a C library</summary>',
    );
    expect(block).toContain(
      '```text\ngo build info: CGO_ENABLED=1 GOOS=linux GOARCH=amd64\nPT_INTERP /lib64/ld-linux-x86-64.so.2 (missing)\n',
    );
    expect(block).toContain(
      '-RUN go build -o /out/app .\n+RUN CGO_ENABLED=0 go build -o /out/app .',
    );
  });

  it("shows the finding's own runtime error when the rule could tell it", () => {
    const [first] = exampleFindings(DOCKERFILE);
    const exact = {
      ...first!,
      ruleId: 'EG102',
      runtimeError: 'Error relocating /server: gnu_get_libc_version: symbol not found',
    };
    expect(render([exact])).toContain(
      '| `Error relocating /server: gnu_get_libc_version: symbol not found` |',
    );
  });

  it('keeps entities whole in summaries', () => {
    expect(render()).toContain(
      '<summary><b>EG303</b> shebang-interpreter-missing: Script&#39;s #\u2060! interpreter missing from the image</summary>',
    );
  });

  it('says so when everything is clean', () => {
    const body = renderMarkdown(cleanReport(DOCKERFILE), { repositoryRoot: REPO, failOn: 'error' });
    expect(body).toContain('### ✅ exit139-guard: passing');
    expect(body).toContain(
      'was checked against the loader, libraries and platform of the image: no problems found.',
    );
    expect(body).not.toContain('| Level |');
  });

  it('passes, saying so, when findings are below fail-on, and fails on them when fail-on is lower', () => {
    const warningOnly = exampleFindings(DOCKERFILE).filter((f) => f.level === 'warning');
    expect(render(warningOnly)).toContain(
      '### ✅ exit139-guard: passed, with findings below `fail-on: error`',
    );
    expect(render(warningOnly, { failOn: 'warning' })).toContain(
      '### ❌ exit139-guard: findings at or above `fail-on: warning`',
    );
  });

  it('shows hostile file names literally: no link, no HTML, no mention, no broken table', () => {
    const names = [
      '/x|y`z` [a](https://evil.example) @octocat #1 <img src=x>',
      '/``` </details> @github/security',
    ];
    const body = render(names.map(hostile));
    const rows = body.split('\n').filter((line) => line.startsWith('| 🛑'));
    // One row for the rule, with both paths.
    expect(rows).toHaveLength(1);
    // The row has exactly five cells: the pipes from the name are escaped.
    expect(rows[0]!.split(/(?<!\\)\|/).length - 2).toBe(5);
    expect(rows[0]).toContain('``/x\\|y`z` [a](https://evil.example) @octocat #1 <img src=x>``');
    // Outside code spans, @ and # carry a word joiner and markdown/HTML characters are escaped.
    const outside = outsideCode(body);
    expect(outside).not.toMatch(/@(octocat|github)/);
    expect(outside).not.toMatch(/#1/);
    expect(outside).not.toMatch(/(?<!\\)<img|(?<!\\)\]\(https:\/\/evil/);
    expect(body).toContain('@\u2060github/security is not found');
    expect(body).toContain('\\</details\\>');
    expect(body).toContain(
      'The same for ``/x|y`z` [a](https://evil.example) @octocat #1 <img src=x>``;',
    );
    // The evidence cannot close its code block or the <details> around it.
    expect(body).toContain(
      '````text\nneeded by /``` </details> @github/security\n```\n</details><img src=x onerror=alert(1)>\n````',
    );
    expect(body.match(/^<details>$/gm)!.length).toBe(body.match(/^<\/details>$/gm)!.length);
  });

  it('shows control characters and bidi overrides instead of hiding them', () => {
    const body = render([hostile('/evil\u202egnp.exe\u0007')]);
    expect(body).toContain('`/evil\\u{202e}gnp.exe\\x07`');
    expect(body).not.toContain('\u202e');
  });

  it(`stays within ${COMMENT_MAX_CHARS} characters, and says how much it cut`, () => {
    // 20 rules with 45 files each: every row lists 45 long paths.
    const rules = Array.from({ length: 20 }, (_, r) => `EG${String(900 + r)}`);
    const many = rules.flatMap((ruleId) =>
      Array.from({ length: 45 }, (_, i) => ({
        ...hostile(`/usr/lib/plugins/plugin-${i}-${'x'.repeat(60)}.so`),
        ruleId,
      })),
    );
    const body = render(many, { marker: 'exit139-guard:abc' });
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(body.startsWith('<!-- exit139-guard:abc -->\n')).toBe(true);
    const shownRows = body.split('\n').filter((line) => line.startsWith('| 🛑')).length;
    expect(shownRows).toBeGreaterThan(5);
    expect(shownRows).toBeLessThan(20);
    expect(body).toContain(
      `This text is cut to GitHub's size limit: ${shownRows} of 20 rules are in the table and 0 have details.`,
    );
    expect(body.trimEnd().endsWith('</sub>')).toBe(true);
  });
});

describe('the fix, written on the user’s own lines', () => {
  it('puts CGO_ENABLED=0 on the RUN that built the binary, in front of go build', () => {
    const body = render(exampleFindings(DOCKERFILE), { dockerfileText: EXAMPLE_DOCKERFILE });
    expect(body).toContain(
      '**Fix** in your Dockerfile\n\n```diff\n@@ services/api/Dockerfile:4 @@\n' +
        '-RUN go build -o /out/server ./cmd/server\n' +
        '+RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server\n```',
    );
  });

  it.each([
    [
      'RUN cd cmd/app && go build -o /out/app .',
      'RUN cd cmd/app && CGO_ENABLED=0 go build -o /out/app .',
    ],
    ['RUN CGO_ENABLED=1 GOOS=linux go build .', 'RUN CGO_ENABLED=0 GOOS=linux go build .'],
    [
      'RUN GOOS=linux CGO_ENABLED=1 go install ./...',
      'RUN CGO_ENABLED=0 GOOS=linux go install ./...',
    ],
    [
      'RUN go mod download; go build -o /a . && go build -o /b ./b',
      'RUN go mod download; CGO_ENABLED=0 go build -o /a . && CGO_ENABLED=0 go build -o /b ./b',
    ],
  ])('%s', (before, after) => {
    expect(disableCgo([before])).toEqual([after]);
  });

  it('leaves a line alone that builds nothing with go, or already disables cgo', () => {
    expect(disableCgo(['RUN make build'])).toBeNull();
    expect(disableCgo(['RUN CGO_ENABLED=0 go build .'])).toBeNull();
  });

  it.each([
    ['/lib64/ld-linux-x86-64.so.2', 'FROM gcr.io/distroless/base-debian12'],
    ['/lib/ld-musl-x86_64.so.1', 'FROM alpine:3.20'],
  ])('changes FROM scratch to a base that has the loader %s', (interpreter, from) => {
    const finding: Finding = {
      ruleId: 'EG101',
      level: 'error',
      path: '/app',
      message: `The ELF interpreter ${interpreter} of /app is not in the image.`,
      evidence: [`PT_INTERP ${interpreter}: /lib64 does not exist`],
      dockerfile: range(7, 'placed', 'COPY --from=build /out/server /server', 'Dockerfile'),
      related: [range(6, 'from', 'FROM scratch', 'Dockerfile')],
      suppression: null,
    };
    expect(diffText(userLineEdits('EG101', [finding], EXAMPLE_DOCKERFILE))).toBe(
      `@@ Dockerfile:6 @@\n-FROM scratch\n+${from}`,
    );
  });

  it('adds a line that strips the carriage returns of a CRLF script after the COPY', () => {
    const finding: Finding = {
      ruleId: 'EG303',
      level: 'error',
      path: '/entrypoint.sh',
      message:
        'The interpreter /bin/sh\r of the entrypoint script /entrypoint.sh is not in the image',
      evidence: ['/entrypoint.sh starts with #!/bin/sh\r'],
      dockerfile: range(8, 'placed', 'COPY entrypoint.sh /entrypoint.sh', 'Dockerfile'),
      related: [],
      suppression: null,
    };
    expect(diffText(userLineEdits('EG303', [finding], EXAMPLE_DOCKERFILE))).toBe(
      "@@ Dockerfile:8 @@\n-COPY entrypoint.sh /entrypoint.sh\n+COPY entrypoint.sh /entrypoint.sh\n+RUN sed -i 's/\\r$//' /entrypoint.sh",
    );
  });
});

describe('the comment level', () => {
  it('lists findings at or above it and counts the rest in one line', () => {
    const findings = exampleFindings(DOCKERFILE).map((f) =>
      f.ruleId === 'EG401' ? { ...f, level: 'note' as const } : f,
    );
    const body = render(findings, { level: 'error', hideRules: ['EG501'] });
    expect(body).not.toContain('| ℹ️ note |');
    expect(body).toContain(
      '1 note (EG401) is not listed here: the job summary and the SARIF report have it.',
    );
  });
});

describe('the COPY --from fix of a library closure', () => {
  const TWO_COPIES = [
    'FROM debian:bookworm AS build', // 1
    'RUN gcc -o /out/a a.c && gcc -o /out/b b.c', // 2
    'FROM scratch', // 3
    'COPY --from=build /out/a /a', // 4
    'COPY --from=build /out/b /b', // 5
    '',
  ].join('\n');
  const LOADER = { source: '/lib64/ld-linux-x86-64.so.2', destination: '/lib64' };
  const LIBC = { source: '/lib/x86_64-linux-gnu/libc.so.6', destination: '/lib/x86_64-linux-gnu' };
  const LIBZ = { source: '/lib/x86_64-linux-gnu/libz.so.1', destination: '/lib/x86_64-linux-gnu' };

  function missing(
    ruleId: string,
    file: string,
    line: number,
    libraryClosure: Finding['libraryClosure'],
  ): Finding {
    const placed = range(line, 'placed', `COPY --from=build /out${file} ${file}`, 'Dockerfile');
    return {
      ruleId,
      level: 'error',
      path: file,
      message: `${file} needs the ELF interpreter /lib64/ld-linux-x86-64.so.2, which is not in the image`,
      evidence: ['PT_INTERP /lib64/ld-linux-x86-64.so.2'],
      dockerfile: placed,
      related: [range(3, 'from', 'FROM scratch')],
      suppression: null,
      ...(libraryClosure ? { libraryClosure } : {}),
    };
  }
  const copyFrom = (line: number, copies: { source: string; destination: string }[]) => ({
    kind: 'copy-from' as const,
    from: 'build',
    image: 'debian:bookworm',
    after: range(line, 'placed', 'COPY'),
    copies,
  });

  it('copies a loader and libc two programs need once, after the first COPY', () => {
    const findings = [
      missing('EG101', '/a', 4, copyFrom(4, [LOADER, LIBC])),
      missing('EG101', '/b', 5, copyFrom(5, [LOADER, LIBC, LIBZ])),
    ];
    expect(diffText(userLineEdits('EG101', findings, TWO_COPIES))).toBe(
      [
        '@@ Dockerfile:4 @@',
        '-COPY --from=build /out/a /a',
        '+COPY --from=build /out/a /a',
        '+COPY --from=build /lib64/ld-linux-x86-64.so.2 /lib64/',
        '+COPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/',
        '@@ Dockerfile:5 @@',
        '-COPY --from=build /out/b /b',
        '+COPY --from=build /out/b /b',
        '+COPY --from=build /lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/',
      ].join('\n'),
    );
  });

  it('writes a path with white space in the JSON form, quoted', () => {
    const odd = { source: '/opt/my libs/libq.so.1', destination: '/opt/my libs' };
    const findings = [missing('EG103', '/a', 4, copyFrom(4, [odd]))];
    expect(userLineEdits('EG103', findings, TWO_COPIES)[0]!.after).toEqual([
      'COPY --from=build /out/a /a',
      'COPY --from=build ["/opt/my libs/libq.so.1", "/opt/my libs/"]',
    ]);
  });

  it('gives the reason for the files it could not cover, naming them, beside the diff of the others', () => {
    const findings = [
      missing('EG101', '/a', 4, copyFrom(4, [LOADER, LIBC])),
      missing('EG101', '/b', 5, {
        kind: 'unavailable',
        from: 'build',
        image: 'debian:bookworm',
        reason: 'libgreet.so.1 is not where the loader of debian:bookworm looks',
        builderRead: true,
      }),
    ];
    const body = render(findings, { dockerfileText: TWO_COPIES });
    expect(body).toContain(
      '+COPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/\n```\n\n' +
        '**Why no exact `COPY --from` lines**\n\n```text\n' +
        '/b: libgreet.so.1 is not where the loader of debian:bookworm looks\n```',
    );
    // /b's builder was read and lacks its library: no FROM change is offered for it either.
    expect(body).not.toContain('+FROM gcr.io/distroless/base-debian12');
  });

  it('keeps the base-image change when the builder could not be read, with the reason', () => {
    const findings = [
      missing('EG101', '/a', 4, {
        kind: 'unavailable',
        from: 'build',
        image: 'debian:bookworm',
        reason: 'debian:bookworm is not in the Docker Engine',
        builderRead: false,
      }),
    ];
    const body = render(findings, { dockerfileText: TWO_COPIES });
    expect(body).toContain('-FROM scratch\n+FROM gcr.io/distroless/base-debian12\n```');
    expect(body).toContain('```text\ndebian:bookworm is not in the Docker Engine\n```');
  });
});
