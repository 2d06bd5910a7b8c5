/**
 * The shell form of ENTRYPOINT/CMD (`CMD /app --flag`): Docker stores it as
 * `["/bin/sh", "-c", "/app --flag"]`, so runc starts the shell, and the shell then looks the
 * command word up (POSIX sh "Command Search and Execution": a word with a `/` is executed as that
 * path, a bare name searched in PATH) and, when it finds nothing, prints its own "not found" and
 * exits 127 before the program could run. Only a script that begins with a simple command whose
 * command word is a literal is followed here (optionally after `exec` and literal `NAME=value`
 * assignments); anything with quotes, expansions, reserved words or builtins is left undecided.
 */

/** A shell the shell form starts: argv `[SHELL, "-c", SCRIPT, ...]`. */
const SHELL_NAMES = new Set(['sh', 'bash', 'dash', 'ash']);

/** Builtins and reserved words a script may start with: the command word is not a program. */
const NOT_A_PROGRAM = new Set([
  '!',
  '.',
  ':',
  '[',
  '{',
  'alias',
  'case',
  'cd',
  'command',
  'echo',
  'eval',
  'exit',
  'export',
  'false',
  'for',
  'if',
  'printf',
  'read',
  'return',
  'set',
  'shift',
  'source',
  'test',
  'trap',
  'true',
  'ulimit',
  'umask',
  'unset',
  'until',
  'wait',
  'while',
]);

/** A word the shell takes literally: no quoting, expansion, globbing or operator characters. */
const LITERAL_WORD = /^[A-Za-z0-9_./+@%,-]+$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_./+@%,:-]*$/;

/** The script of a shell-form start (`argv[2]` of `sh -c`), or null when argv is not one. */
export function shellFormScript(argv: readonly string[]): string | null {
  if (argv.length < 3 || argv[1] !== '-c') return null;
  const shell = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
  return SHELL_NAMES.has(shell) ? argv[2]! : null;
}

export interface ShellCommand {
  /** The command word: a path or a name to search in PATH. */
  word: string;
  /** Run through the `exec` builtin, which words its failure differently. */
  viaExec: boolean;
}

/**
 * The program the script runs first, when its first simple command has a literal command word
 * that is no builtin or reserved word (`exec` and literal assignments are passed over); null
 * when the shell's first step is anything else. Shapes: `"/app --flag"` -> `/app`;
 * `"exec app"` -> `app` via exec; `"A=1 /app"` -> `/app`; `"$APP"`, `"cd /x && ./app"` -> null.
 */
export function shellCommandWord(script: string): ShellCommand | null {
  const words = script.trim().split(/[ \t]+/);
  let i = 0;
  while (i < words.length && ASSIGNMENT.test(words[i]!)) i++;
  const viaExec = words[i] === 'exec';
  if (viaExec) i++;
  const word = words[i];
  if (word === undefined || word === '' || !LITERAL_WORD.test(word)) return null;
  if (NOT_A_PROGRAM.has(word)) return null;
  return { word, viaExec };
}

/**
 * What the shell prints when it cannot find the command (exit 127), by the shell the image's
 * `/bin/sh` really is (`realShell`, its resolved file name), as each was seen running: dash
 * `sh: 1: W: not found` (`sh: 1: exec: W: not found`), BusyBox ash `sh: W: not found`
 * (`sh: exec: line 0: W: not found`), bash `sh: line 1: W: No such file or directory` for a path,
 * `…: command not found` for a name (`…: exec: W: not found`); `argv0` is the shell as argv[0]
 * names it.
 */
export function shellNotFoundMessage(
  argv0: string,
  realShell: string,
  { word, viaExec }: ShellCommand,
): string {
  const name = realShell.slice(realShell.lastIndexOf('/') + 1);
  if (name === 'bash') {
    if (word.includes('/')) return `${argv0}: line 1: ${word}: No such file or directory`;
    return viaExec
      ? `${argv0}: line 1: exec: ${word}: not found`
      : `${argv0}: line 1: ${word}: command not found`;
  }
  if (name === 'busybox' || name === 'ash')
    return viaExec ? `${argv0}: exec: line 0: ${word}: not found` : `${argv0}: ${word}: not found`;
  return viaExec ? `${argv0}: 1: exec: ${word}: not found` : `${argv0}: 1: ${word}: not found`;
}
