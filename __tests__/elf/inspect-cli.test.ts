/**
 * `exit139-guard inspect`: the JSON contract of DESIGN.md, the exit status with bad files among
 * good ones, and a text form whose Go section is exactly what `go version -m` prints.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runCli } from '../../src/cli/main.js';
import { reportSkip } from '../support/skip.js';
import { builtSample } from './samples.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

const CONTRACT_FIELDS = [
  'path',
  'class',
  'endianness',
  'eMachine',
  'machine',
  'type',
  'interpreter',
  'needed',
  'rpath',
  'runpath',
  'soname',
  'versionNeeds',
  'libc',
  'staticPie',
  'go',
  'error',
];

describe('exit139-guard inspect', () => {
  const cgo = builtSample('cgo-dynamic');
  const staticGo = builtSample('nocgo-arm64');

  it('prints the JSON contract for each file, an error entry for bad ones, and exits 2', async () => {
    if (!existsSync(cgo) || !existsSync(staticGo)) {
      reportSkip('inspect CLI test', 'run scripts/ci-fixtures/20-elf-samples.sh first');
      return;
    }
    const result = await cli(['inspect', '--json', cgo, 'package.json', 'no/such/file', staticGo]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('');
    const files = (JSON.parse(result.stdout) as { files: Record<string, unknown>[] }).files;
    expect(files.map((f) => f.path)).toEqual([cgo, 'package.json', 'no/such/file', staticGo]);
    for (const f of files)
      expect(Object.keys(f).slice(0, CONTRACT_FIELDS.length)).toEqual(CONTRACT_FIELDS);
    expect(files[1]!.error).toBe(
      'package.json: bad ELF header at offset 0x0: not an ELF file (no \\x7fELF magic)',
    );
    expect(files[2]!.error).toBe('no/such/file: no such file');
    expect(files[0]).toMatchObject({
      class: 64,
      endianness: 'little',
      eMachine: 62,
      machine: 'x86_64',
      type: 'EXEC',
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libc.so.6'],
      libc: 'glibc',
      staticPie: false,
      error: null,
    });
    expect(files[0]!.go).toMatchObject({
      path: 'example.com/gosample',
      settings: { CGO_ENABLED: '1', GOARCH: 'amd64' },
    });
    expect(files[3]).toMatchObject({
      class: 64,
      eMachine: 183,
      machine: 'aarch64',
      type: 'EXEC',
      interpreter: null,
      needed: [],
      versionNeeds: {},
      libc: 'none',
      go: { settings: { CGO_ENABLED: '0', GOARCH: 'arm64', GOOS: 'linux' } },
    });
  });

  it('prints readable text whose Go build lines are those of go version -m', async () => {
    if (!existsSync(cgo)) {
      reportSkip('inspect text test', 'run scripts/ci-fixtures/20-elf-samples.sh first');
      return;
    }
    const result = await cli(['inspect', cgo]);
    expect(result.status).toBe(0);
    const goVersion = execFileSync('go', ['version', '-m', cgo], { encoding: 'utf8' });
    const indented = goVersion
      .trimEnd()
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    expect(result.stdout).toContain(indented + '\n');
    expect(result.stdout).toContain('  interpreter: /lib64/ld-linux-x86-64.so.2\n');
    expect(result.stdout).toMatch(/\n {2}needed:\n {4}libc\.so\.6 => GLIBC_/);
    expect(result.stdout).toContain(
      '  libc: glibc-dynamic (PT_INTERP /lib64/ld-linux-x86-64.so.2)\n',
    );
    expect(result.stdout).toContain('  linkage: dynamic, image architecture amd64\n');
  });

  it('gives a C program the image architecture, not a GOARCH it was never built with', async () => {
    const result = await cli(['inspect', '/usr/bin/env']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('  linkage: dynamic, image architecture amd64\n');
    expect(result.stdout).not.toContain('GOARCH');
  });

  it('says which file is missing and exits 2', async () => {
    const result = await cli(['inspect', 'no/such/file']);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: 'exit139-guard inspect: no/such/file: no such file\n',
    });
    const usage = await cli(['inspect']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('no FILE given');
  });
});
