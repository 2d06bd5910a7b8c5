/**
 * Asking the image's own dynamic loader which objects it maps for a file and what stops it,
 * read-only and without network, as `ldd` does:
 * - glibc: `ld.so FILE` with `LD_TRACE_LOADED_OBJECTS=1` (ldd's own way; `LD_WARN=yes
 *   LD_BIND_NOW=yes` for an executable, as `ldd -r`, so that every symbol is bound and an
 *   unresolved one is named). It prints `name => path (0x...)`, `name => not found`,
 *   `version ... not found` and `undefined symbol: S (file)`.
 * - musl: `ld-musl-ARCH.so.1 --list FILE` (ldso/dynlink.c's ldd mode), which prints the same
 *   `name => path (0x...)` lines and stops at `Error loading shared library` / `Error relocating`.
 * glibc's `ld.so --verify` is asked first in a batch, as ldd does (a single file is only traced:
 * the trace reports the same refusal, and a second container per file would double the cost).
 * Several files are asked in one container when the image has a `/bin/sh` to loop in (the
 * paths are passed as arguments, never pasted into the script); otherwise one container each.
 */
import type Docker from 'dockerode';
import type { ImageView } from '../image/types.js';
import type { LoadSimulation } from '../loader/types.js';
import { runContainer, type ContainerRun } from './container.js';
import { escapeLine, isLoaderError } from './observe.js';

/** What the loader said about one file. */
export interface LoaderAnswer {
  path: string;
  /** DT_NEEDED name -> the path the loader opened, or null for `not found`. */
  resolved: Map<string, string | null>;
  /** The lines reporting a failure, escaped: missing library, version, symbol, engine refusal. */
  failures: string[];
  /** Set when the loader could not be asked (no answer for this file, the run was cut). */
  unanswered: string | null;
}

const MARK = '@@exit139-guard-file ';
/** What the batch prints when `ld.so --verify` refuses a file (exit 1, ldd's "not a dynamic executable"). */
const VERIFY_FAILED = 'ld.so --verify: not a dynamic object this loader can load: ';
/** Output kept of one batch: enough for the `=> path` lines of a few hundred files. */
const BATCH_OUTPUT_BYTES = 4 * 1024 * 1024;
const BATCH_FILES = 200;
const BATCH_TIMEOUT_MS = 60_000;
/** Without a shell, files beyond this many are left unasked (one container each is slow). */
const SINGLE_FILE_LIMIT = 32;

const RESOLVED = /^(\S+) => (\S+) \(0x[0-9a-f]+\)$/;
const NOT_FOUND = /^(\S+) => not found$/;
const MUSL_MISSING = /^Error loading shared library (\S+): .* \(needed by .+\)$/;
const FAILURE = [
  NOT_FOUND,
  /^undefined symbol: /,
  /: version `[^']+' not found/,
  MUSL_MISSING,
  /^ld\.so --verify: /,
];

/** Parses the loader's output for one file. */
export function parseLoaderOutput(path: string, text: string): LoaderAnswer {
  const resolved = new Map<string, string | null>();
  const failures: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const ok = RESOLVED.exec(line);
    if (ok) {
      resolved.set(ok[1], ok[2]);
      continue;
    }
    const missing = NOT_FOUND.exec(line) ?? MUSL_MISSING.exec(line);
    if (missing) resolved.set(missing[1], null);
    if (missing || FAILURE.some((re) => re.test(line)) || isLoaderError(line)) {
      failures.push(escapeLine(line));
    }
  }
  return { path, resolved, failures, unanswered: null };
}

export interface LoaderQuestion {
  path: string;
  sim: LoadSimulation;
}

/**
 * The loader to run for a simulated file (its PT_INTERP, as the kernel would open it) and how to
 * ask it. A loader missing from the image has no flavor in the simulation; its name tells
 * which it would be, and the engine's refusal to start it is then the answer.
 */
function loaderOf(sim: LoadSimulation): { path: string; flavor: 'glibc' | 'musl' } | null {
  const interp = sim.interpreter;
  if (interp === null) return null;
  const name = interp.requested.split('/').pop() ?? '';
  const flavor =
    sim.flavor !== 'unknown'
      ? sim.flavor
      : /^ld-musl-/.test(name)
        ? 'musl'
        : /^(ld-linux.*\.so\.\d+|ld64\.so\.[12])$/.test(name)
          ? 'glibc'
          : null;
  return flavor === null ? null : { path: interp.requested, flavor };
}

function glibcEnv(sim: LoadSimulation): string[] {
  return sim.mode === 'executable'
    ? ['LD_TRACE_LOADED_OBJECTS=1', 'LD_WARN=yes', 'LD_BIND_NOW=yes']
    : ['LD_TRACE_LOADED_OBJECTS=1'];
}

// `$0` is the loader; each argument is `e:PATH` (an executable) or `l:PATH` (a library). As glibc's
// ldd script does, `ld.so --verify` comes first: exit 1 means the loader cannot handle the file
// at all (not a dynamic object for it); 0 and 2 go on to the trace.
const GLIBC_LOOP = `for a do f=\${a#??}; echo "${MARK}$f"; "$0" --verify "$f" >/dev/null 2>&1; v=$?; if [ $v = 1 ]; then echo "${VERIFY_FAILED}$f"; continue; fi; case $a in e:*) LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes "$0" "$f" 2>&1;; *) LD_TRACE_LOADED_OBJECTS=1 "$0" "$f" 2>&1;; esac; done`;
const MUSL_LOOP = `for a do f=\${a#??}; echo "${MARK}$f"; "$0" --list "$f" 2>&1; done`;

function unanswered(path: string, why: string): LoaderAnswer {
  return { path, resolved: new Map(), failures: [], unanswered: why };
}

/** An answer from a run of the loader on one file (the engine may have refused to start it). */
function answerOfRun(path: string, run: ContainerRun): LoaderAnswer {
  if (run.engineError !== null) {
    return { path, resolved: new Map(), failures: [escapeLine(run.engineError)], unanswered: null };
  }
  if (run.timedOut) return unanswered(path, 'the loader did not answer within the time limit');
  const answer = parseLoaderOutput(path, `${run.stdout}\n${run.stderr}`);
  // runc's words when the kernel refuses the loader itself (e.g. `exec format error`).
  const refused = /^exec .+: [a-z][a-z ]+$/.exec(run.stderr.trim());
  if (refused && answer.resolved.size === 0) answer.failures.push(escapeLine(refused[0]));
  return answer;
}

function hasShell(view: ImageView): boolean {
  const sh = view.resolve('/bin/sh');
  return sh.found && sh.file.type === 'file' && (sh.file.mode & 0o111) !== 0;
}

/**
 * Asks the image's loader about each file (in `image`, an id the engine knows). Files whose
 * loader flavor is unknown get an `unanswered` answer saying so.
 */
export async function askLoader(
  docker: Docker,
  image: string,
  view: ImageView,
  questions: LoaderQuestion[],
  timeoutMs: number,
): Promise<Map<string, LoaderAnswer>> {
  const answers = new Map<string, LoaderAnswer>();
  const groups = new Map<string, LoaderQuestion[]>();
  for (const q of questions) {
    const loader = loaderOf(q.sim);
    if (loader === null) {
      answers.set(q.path, unanswered(q.path, 'no ELF interpreter of a known C library to ask'));
      continue;
    }
    const key = `${loader.flavor}\0${loader.path}`;
    groups.set(key, [...(groups.get(key) ?? []), q]);
  }
  const batch = hasShell(view);
  let singles = 0;
  for (const [key, group] of groups) {
    const [flavor, loader] = key.split('\0') as ['glibc' | 'musl', string];
    if (batch && group.length > 1) {
      for (let i = 0; i < group.length; i += BATCH_FILES) {
        const chunk = group.slice(i, i + BATCH_FILES);
        const run = await runContainer(docker, {
          image,
          entrypoint: ['/bin/sh', '-c', flavor === 'glibc' ? GLIBC_LOOP : MUSL_LOOP, loader],
          cmd: chunk.map((q) => `${q.sim.mode === 'executable' ? 'e' : 'l'}:${q.path}`),
          timeoutMs: Math.max(timeoutMs, BATCH_TIMEOUT_MS),
          outputBytes: BATCH_OUTPUT_BYTES,
        });
        const sections = splitSections(run.stdout);
        // A cut output may end inside the last file's answer: that one is not trusted.
        if (run.truncated || run.timedOut) sections.delete([...sections.keys()].pop() ?? '');
        for (const q of chunk) {
          const text = sections.get(q.path);
          answers.set(
            q.path,
            text === undefined
              ? unanswered(
                  q.path,
                  run.engineError ?? 'the batched loader run ended before this file',
                )
              : parseLoaderOutput(q.path, text),
          );
        }
      }
      continue;
    }
    for (const q of group) {
      if (singles >= SINGLE_FILE_LIMIT) {
        answers.set(
          q.path,
          unanswered(
            q.path,
            `no /bin/sh to batch in, and only ${SINGLE_FILE_LIMIT} files are asked one by one`,
          ),
        );
        continue;
      }
      singles++;
      const run = await runContainer(docker, {
        image,
        entrypoint: flavor === 'glibc' ? [loader, q.path] : [loader, '--list', q.path],
        cmd: [],
        env: flavor === 'glibc' ? glibcEnv(q.sim) : [],
        timeoutMs,
      });
      answers.set(q.path, answerOfRun(q.path, run));
    }
  }
  return answers;
}

function splitSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (current !== null) sections.set(current, lines.join('\n'));
  };
  for (const line of text.split('\n')) {
    if (line.startsWith(MARK)) {
      flush();
      current = line.slice(MARK.length);
      lines = [];
    } else if (current !== null) lines.push(line);
  }
  flush();
  return sections;
}
