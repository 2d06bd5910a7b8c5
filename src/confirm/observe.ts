/**
 * Reading what a container run showed: did the process start, and if not, who stopped it (the
 * engine/runc, the kernel's execve, the dynamic loader, a signal) and with which words. The
 * messages are those of runc (`exec /app: no such file or directory` printed by runc's init when
 * execve fails, exit 1), glibc's ld.so (`error while loading shared libraries`, `version ... not
 * found`, `symbol lookup error`, exit 127 or 1) and musl's (`Error loading shared library`,
 * `Error relocating`), as the scenario suite observes them.
 */
import type { Confirmation } from '../findings.js';
import { visible } from '../report/escape.js';
import type { ContainerRun } from './container.js';

/** Lines of stderr kept in the report, and characters per line. */
const STDERR_LINES = 10;
const LINE_CHARS = 500;

/** runc's own report of a failed execve (then the container's only output, with exit 1). */
const RUNC_EXEC_ERROR = /^exec .+: [a-z][a-z ]+$/;

/** The dynamic loaders' fatal messages (glibc elf/dl-error-skeleton.c and rtld.c; musl ldso/dynlink.c). */
const LOADER_ERROR = [
  /: error while loading shared libraries: /,
  /: version `[^']+' not found \(required by /,
  /: symbol lookup error: /,
  /^Error loading shared library /,
  /^Error relocating /,
];

/** Signals that end a program before it could do anything useful, by number (Linux x86/arm). */
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
  31: 'SIGSYS',
};
/** The signals of a crash (as opposed to being told to stop): 132, 133, 134, 135, 136, 139, 159. */
const CRASH_SIGNALS = new Set([
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGSEGV',
  'SIGSYS',
]);

/** One line of program output made safe to show: invisible characters escaped, length bounded. */
export function escapeLine(line: string): string {
  const escaped = visible(line);
  return escaped.length <= LINE_CHARS ? escaped : `${escaped.slice(0, LINE_CHARS - 1)}…`;
}

/** The first non-empty lines of `text`, escaped and bounded. */
function firstLines(text: string, max = STDERR_LINES): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(0, max)
    .map(escapeLine);
}

export function signalOf(exitCode: number | null): string | null {
  if (exitCode === null || exitCode <= 128 || exitCode > 128 + 64) return null;
  return SIGNALS[exitCode - 128] ?? `signal ${exitCode - 128}`;
}

export function isLoaderError(line: string): boolean {
  return LOADER_ERROR.some((re) => re.test(line));
}

/** How a run ended, with the first line that says so; the status is decided by the caller. */
export type Observation = Omit<Confirmation, 'status' | 'detail' | 'method'> & {
  stderr: string[];
  durationMs: number;
};

export function observe(run: ContainerRun): Observation {
  const stderr = firstLines(run.stderr);
  const base = {
    exitCode: run.exitCode,
    signal: signalOf(run.exitCode),
    stderr,
    durationMs: run.durationMs,
  };
  if (run.engineError !== null) {
    return { ...base, outcome: 'refused', runtimeError: escapeLine(run.engineError) };
  }
  if (run.timedOut) return { ...base, outcome: 'started', runtimeError: null };
  const trimmed = run.stderr.trim();
  if (run.exitCode === 1 && run.stdout === '' && RUNC_EXEC_ERROR.test(trimmed)) {
    return { ...base, outcome: 'refused', runtimeError: escapeLine(trimmed) };
  }
  const loaderLine = stderr.find(isLoaderError);
  if (run.exitCode !== 0 && loaderLine !== undefined) {
    return { ...base, outcome: 'loader-failed', runtimeError: loaderLine };
  }
  if (run.oomKilled) {
    return {
      ...base,
      outcome: 'limited',
      runtimeError: `killed by the confirmation's memory limit (exit ${run.exitCode})`,
    };
  }
  if (base.signal !== null && CRASH_SIGNALS.has(base.signal)) {
    return {
      ...base,
      outcome: 'crashed',
      runtimeError: stderr[0] ?? `killed by ${base.signal} (exit ${run.exitCode})`,
    };
  }
  if (run.exitCode === 0) return { ...base, outcome: 'started', runtimeError: null };
  return { ...base, outcome: 'exited', runtimeError: stderr[0] ?? null };
}

/** True when the process never got to run its own code. */
export function diedOnStart(outcome: Confirmation['outcome']): boolean {
  return outcome === 'refused' || outcome === 'loader-failed' || outcome === 'crashed';
}
