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
