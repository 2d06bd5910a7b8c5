import { COMMANDS } from './commands.js';
import type { CommandIO } from './command.js';
import { InputError, UsageError } from '../errors.js';
import { VERSION } from '../version.js';

function topUsage(): string {
  const width = Math.max(0, ...COMMANDS.map((c) => c.name.length));
  const lines = [
    'Usage: exit139-guard <command> [options]',
    '',
    'Finds what makes a container die on start (exit 139, "no such file or directory",',
    '"exec format error", missing GLIBC versions) before it is merged.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (or `exit139-guard <command> --help`)',
    '  -V, --version  print the version',
  ];
  return lines.join('\n') + '\n';
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit status. */
export async function runCli(argv: string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout(topUsage());
    return first === undefined ? 2 : 0;
  }
  if (first === '-V' || first === '--version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io.stderr(`exit139-guard: unknown command '${first}'\n\n${topUsage()}`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`exit139-guard ${command.name}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (error instanceof InputError) {
      io.stderr(`exit139-guard ${command.name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
