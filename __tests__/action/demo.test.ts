/**
 * `npm run demo` works on a machine without Docker: no docker binary on PATH and no engine at
 * DOCKER_HOST, and without `npm ci`: it runs the committed dist/cli.js (this test runs the one
 * bundled from this checkout, as `npm test` checks that dist/ is up to date). It scans the
 * committed example archives and writes SARIF and the comment.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

describe('npm run demo', () => {
  it('scans the example images without Docker and writes the SARIF and the comment', () => {
    const demo = spawnSync(process.execPath, ['examples/demo.mjs'], {
      encoding: 'utf8',
      env: {
        PATH: path.dirname(process.execPath),
        HOME: process.env.HOME,
        DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      },
    });
    expect(demo.stderr).toBe('');
    expect(demo.status).toBe(0);
    const [broken, fixed] = demo.stdout.split(
      '$ exit139-guard scan --archive examples/go-service-fixed.oci.tar',
    );
    expect(broken).toContain('error EG202 cgo-dynamic-on-static-base: /server');
    expect(broken).toContain('on start: exec /server: no such file or directory');
    expect(broken).toContain('(exit status 1)');
    expect(fixed).not.toMatch(/^\s+error /m);
    expect(fixed).toContain('(exit status 0)');

    const sarif = JSON.parse(readFileSync('examples/out/go-service.sarif', 'utf8')) as {
      runs: { results: { ruleId: string; level: string }[] }[];
    };
    expect(sarif.runs[0]!.results.filter((r) => r.level === 'error').map((r) => r.ruleId)).toEqual([
      'EG202',
    ]);
    expect(readFileSync('examples/out/go-service.comment.md', 'utf8')).toMatch(
      /^### ❌ exit139-guard: this image will fail on start\n/,
    );
    const brokenComment = readFileSync('examples/out/go-service.comment.md', 'utf8');
    // The fix on the user's own line, with the notes counted, not listed.
    expect(brokenComment).toContain(
      '```diff\n@@ examples/go-service/Dockerfile:7 @@\n' +
        '-RUN go build -ldflags="-s -w" -o /out/server ./cmd/server\n' +
        '+RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /out/server ./cmd/server\n```',
    );
    expect(brokenComment).toContain('1 note (EG403) is not listed here');
    expect(brokenComment).not.toContain('| ℹ️ note |');
    // After the fix, nothing is left at the comment's level: the comment says it passes.
    expect(readFileSync('examples/out/go-service-fixed.comment.md', 'utf8')).toMatch(
      /^### ✅ exit139-guard: passing\n/,
    );
  });
});
