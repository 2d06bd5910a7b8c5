import { describe, expect, it } from '@jest/globals';
import { parseArgs, type OptionSpec } from '../src/cli/args.js';
import { UsageError } from '../src/errors.js';

const SPECS: OptionSpec<'format' | 'file' | 'json' | 'args' | 'manifests'>[] = [
  { names: ['--format'], key: 'format', kind: 'string', choices: ['text', 'json'] },
  { names: ['--file', '-f'], key: 'file', kind: 'string' },
  { names: ['--json'], key: 'json', kind: 'flag' },
  { names: ['--build-arg'], key: 'args', kind: 'build-args' },
  { names: ['--manifests'], key: 'manifests', kind: 'strings' },
];

function usageError(args: string[], positionals = false): string {
  try {
    parseArgs(args, SPECS, { positionals });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${args.join(' ')}`);
}

describe('command-line options shared by the subcommands', () => {
  it('reads --name value, --name=value, short aliases, flags and repeated build args', () => {
    expect(
      parseArgs(
        [
          '--format=json',
          '-f',
          'Dockerfile.prod',
          '--json',
          '--build-arg',
          'A=1',
          '--build-arg=B=x=y',
          '--manifests',
          'deploy/',
          '--manifests=job.yaml',
          'img.tar',
        ],
        SPECS,
        { positionals: true },
      ),
    ).toEqual({
      strings: { format: 'json', file: 'Dockerfile.prod' },
      lists: { manifests: ['deploy/', 'job.yaml'] },
      flags: { json: true },
      buildArgs: { A: '1', B: 'x=y' },
      positionals: ['img.tar'],
    });
  });

  it('names the option in every usage error', () => {
    expect(usageError(['--frobnicate'])).toBe("unknown option '--frobnicate'");
    expect(usageError(['--file'])).toBe('--file needs a value');
    expect(usageError(['--format', 'xml'])).toBe("--format must be one of text, json, not 'xml'");
    expect(usageError(['--build-arg', '=x'])).toBe("--build-arg '=x' is not KEY=VALUE");
    expect(usageError(['--json=yes'])).toBe('--json takes no value');
    expect(usageError(['stray'])).toBe("unexpected argument 'stray'");
    expect(usageError(['--manifests='])).toBe('--manifests needs a value');
  });
});
