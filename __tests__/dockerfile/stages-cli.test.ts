/** `exit139-guard stages`: the DESIGN.md contract of --json, the text form, and exit statuses. */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

const fixture = '__tests__/dockerfile/fixtures/alpine-cgo.Dockerfile';

describe('exit139-guard stages --json', () => {
  it('adds Go defaults of script builds under assumed, and FROM lines that do not resolve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stages-assumed-'));
    const path = join(dir, 'Dockerfile');
    writeFileSync(
      path,
      'ARG GO\nFROM golang:${GO}-bookworm AS b\nRUN make build\nFROM scratch\nCOPY --from=b /go/bin/app /app\n',
    );
    const result = await cli(['stages', '--dockerfile', path, '--json']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as {
      artifacts: { path: string; declared: unknown; assumed: unknown }[];
      unresolved: { names: string[]; expanded: string }[];
    };
    expect(json.artifacts.map((a) => [a.path, a.declared, a.assumed])).toEqual([
      [
        '/app',
        { GOOS: null, GOARCH: null, CGO_ENABLED: null },
        { GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '1' },
      ],
    ]);
    expect(json.unresolved.map((u) => [u.names, u.expanded])).toEqual([
      [['GO'], 'golang:-bookworm'],
    ]);
  });

  it('prints the contract fields: target, platform, stages, artifacts', async () => {
    const result = await cli([
      'stages',
      '--dockerfile',
      fixture,
      '--platform',
      'linux/arm64',
      '--json',
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout) as Record<string, unknown> & {
      stages: Record<string, unknown>[];
      artifacts: Record<string, unknown>[];
    };
    expect(json.target).toBe('1');
    expect(json.platform).toBe('linux/arm64');
    expect(
      json.stages.map((s) => [s.index, s.name, s.from, s.platform, s.startLine, s.endLine]),
    ).toEqual([
      [0, 'builder', 'golang:1.21-alpine3.19', 'linux/arm64', 1, 8],
      [1, null, 'alpine:3.19', 'linux/arm64', 10, 16],
    ]);
    const ledger = json.artifacts[0]!;
    expect(ledger).toMatchObject({
      path: '/usr/bin/ledger',
      stage: 'builder',
      source: 'built',
      declared: { GOOS: 'linux', GOARCH: 'arm64', CGO_ENABLED: '1' },
      flags: {
        ldflags: "-linkmode external -extldflags '-static'",
        tags: ['sqlite_omit_load_extension', 'netgo'],
        linkmode: 'external',
        extldflags: '-static',
      },
      dockerfile: { startLine: 12, endLine: 12 },
      declaredBy: {
        CGO_ENABLED: { implicit: true, origin: 'Go default: apk installs gcc (line 2)' },
      },
    });
    expect(json.artifacts.map((a) => [a.path, a.source])).toEqual([
      ['/usr/bin/ledger', 'built'],
      ['/usr/bin/ledgerctl', 'built'],
      ['/etc/ledger/', 'prebuilt'],
    ]);
    expect(json.finalBaseKind).toBe('alpine');
  });

  it('passes --target and --build-arg (both spellings)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stages-'));
    const path = join(dir, 'Dockerfile');
    writeFileSync(
      path,
      'ARG BASE=alpine\nFROM golang:1.22 AS build\nARG GOARCH\nRUN go build -o /x ./cmd/x\nFROM ${BASE} AS final\nCOPY --from=build /x /x\nFROM scratch AS other\n',
    );
    const result = await cli([
      'stages',
      `--dockerfile=${path}`,
      '--target',
      'final',
      '--build-arg',
      'BASE=debian:12',
      '--build-arg=GOARCH=mips64le',
      '--json',
    ]);
    const json = JSON.parse(result.stdout) as {
      target: string;
      finalBase: string;
      artifacts: { declared: Record<string, string> }[];
    };
    expect(json.target).toBe('final');
    expect(json.finalBase).toBe('debian:12');
    expect(json.artifacts[0]!.declared).toEqual({
      GOOS: 'linux',
      GOARCH: 'mips64le',
      CGO_ENABLED: '0',
    });
  });
});

describe('exit139-guard stages (text)', () => {
  it('prints stages, files and where each value comes from', async () => {
    const result = await cli(['stages', '--dockerfile', fixture]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('* 1 (unnamed)  FROM alpine:3.19  [linux/amd64]  lines 10-16');
    expect(result.stdout).toContain(
      '  /usr/bin/ledgerctl  (built, from builder; placed at line 12)\n    GOOS         linux (implicit) — Go default: the target platform linux/amd64\n',
    );
    expect(result.stdout).toContain('    CGO_ENABLED  0 — inline on RUN line 8\n');
  });
});

describe('exit139-guard stages: bad input and usage exit 2 with one message', () => {
  it('names file and line of a broken Dockerfile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stages-'));
    const path = join(dir, 'Dockerfile');
    writeFileSync(path, 'FROM alpine\nRUN true\nCOPY\n');
    expect(await cli(['stages', '--dockerfile', path])).toEqual({
      status: 2,
      stdout: '',
      stderr: `exit139-guard stages: ${path}:3: COPY requires arguments\n`,
    });
  });
  it('reports a missing file', async () => {
    const result = await cli(['stages', '--dockerfile', '/nonexistent/Dockerfile']);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: 'exit139-guard stages: the Dockerfile /nonexistent/Dockerfile: does not exist\n',
    });
  });
  it('rejects a bad platform and an unknown option', async () => {
    const bad = await cli(['stages', '--dockerfile', fixture, '--platform', 'amd64']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      "exit139-guard stages: --platform: 'amd64' is not a platform (expected os/arch[/variant])\n",
    );
    const unknown = await cli(['stages', '--frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");
  });
});
