import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { runCli } from '../src/cli/main.js';
import { VERSION } from '../src/version.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { status, stdout, stderr };
}

describe('the command line', () => {
  it('prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const result = await cli(['--version']);
    expect(result).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('prints usage and exits 2 on an unknown command', async () => {
    const result = await cli(['frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
    expect(result.stderr).toContain('Usage: exit139-guard <command>');
  });

  it('prints usage and exits 2 without a command, 0 with --help', async () => {
    expect((await cli([])).status).toBe(2);
    const help = await cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Commands:');
  });
});

describe('scan --format text', () => {
  it('says which findings a baseline already had, and that they do not gate', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const work = mkdtempSync(path.join(tmpdir(), 'cli-baseline-'));
    const scan = ['scan', '--archive', 'examples/go-service.oci.tar'];
    const dockerfile = ['--dockerfile', 'examples/go-service/Dockerfile'];
    const base = await cli([...scan, ...dockerfile, '--format', 'json']);
    expect(base.status).toBe(1);
    writeFileSync(path.join(work, 'base.json'), base.stdout);
    const text = await cli([...scan, ...dockerfile, '--baseline', path.join(work, 'base.json')]);
    rmSync(work, { recursive: true, force: true });
    expect(text.status).toBe(0);
    const count = (JSON.parse(base.stdout) as { findings: unknown[] }).findings.length;
    expect(text.stdout.split('\n').filter((l) => l.includes('already in the baseline'))).toEqual([
      ...Array(count).fill('      already in the baseline: does not count for --fail-on'),
      expect.stringMatching(
        new RegExp(`^1 error\\(s\\), .* ms; ${count} of them already in the baseline$`),
      ),
    ]);
  });
});
