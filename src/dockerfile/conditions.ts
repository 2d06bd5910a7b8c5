/**
 * Shell control flow in RUN, decided with the values the model knows (POSIX "Shell Command
 * Language" 2.9.4 for `if` and `case`, `test`/`[` for conditions; bash's `[[ ]]` for `==` with
 * patterns): whether a guarded command runs (true), does not (false), or cannot be told (null).
 * Command substitutions whose output the Dockerfile determines (`$(xx-info os)`,
 * `$(go env GOARCH)`, `$(uname -m)`) are replaced by that output before expansion.
 */
import picomatch from 'picomatch';
import { UNKNOWN_MARK } from './expand.js';
import type { Guard } from './shell.js';
import type { Platform } from './types.js';

/** What a command substitution prints, when the stage's platform and environment decide it. */
export interface KnownOutputs {
  /** The platform the stage's commands run on (`uname -m`, `go env` without GOOS/GOARCH). */
  stage: Platform;
  /** The platform xx-info reports: TARGETPLATFORM's value in the stage, else the target. */
  xxTarget: Platform;
  /** GOOS/GOARCH from the environment, which `go env` reports when set. */
  env: (name: string) => string | undefined;
}

/** `uname -m` per GOARCH (Linux kernel machine names). */
const MACHINE: Record<string, string> = {
  amd64: 'x86_64',
  arm64: 'aarch64',
  arm: 'armv7l',
  '386': 'i686',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};
/** `apk --print-arch` per GOARCH (Alpine's arch names). */
const APK_ARCH: Record<string, string> = {
  amd64: 'x86_64',
  arm64: 'aarch64',
  arm: 'armv7',
  '386': 'x86',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};
/** `dpkg --print-architecture` per GOARCH (Debian's arch names). */
const DPKG_ARCH: Record<string, string> = { arm: 'armhf', '386': 'i386' };

function output(command: string, known: KnownOutputs): string | null {
  const words = command.trim().split(/\s+/);
  const text = words.join(' ');
  const xx = known.xxTarget;
  switch (text) {
    case 'xx-info os':
      return xx.os;
    case 'xx-info arch':
      return xx.arch;
    case 'xx-info variant':
      return xx.variant;
    case 'uname -m':
      return MACHINE[known.stage.arch] ?? null;
    case 'uname -s':
      return known.stage.os === 'linux' ? 'Linux' : null;
    case 'uname':
      return known.stage.os === 'linux' ? 'Linux' : null;
    case 'go env GOARCH':
      return known.env('GOARCH') || known.stage.arch;
    case 'go env GOOS':
      return known.env('GOOS') || known.stage.os;
    case 'dpkg --print-architecture':
      return DPKG_ARCH[known.stage.arch] ?? known.stage.arch;
    case 'apk --print-arch':
      return APK_ARCH[known.stage.arch] ?? null;
    default:
      return null;
  }
}

/**
 * Replaces `$(cmd)` and `` `cmd` `` whose output is known (see KnownOutputs) in a raw word;
 * the rest stays for the expander (which marks it unknown).
 */
export function substituteKnown(word: string, known: KnownOutputs): string {
  if (!word.includes('$(') && !word.includes('`')) return word;
  return word.replace(/\$\(([^()`]*)\)|`([^`]*)`/g, (whole, a: string | undefined, b) => {
    const value = output((a ?? b) as string, known);
    return value === null ? whole : value;
  });
}

/**
 * The outcome of a test command (`[ … ]`, `[[ … ]]`, `test …`), its words already expanded:
 * string (in)equality, `-z`/`-n`, a lone string, and `!`. Null for anything else (file tests,
 * numbers, values computed at build time).
 */
export function evaluateTest(argv: string[]): boolean | null {
  let words = argv;
  let negate = false;
  if (words[0] === '!') {
    negate = true;
    words = words.slice(1);
  }
  let doubleBracket = false;
  if (words[0] === '[') {
    if (words[words.length - 1] !== ']') return null;
    words = words.slice(1, -1);
  } else if (words[0] === '[[') {
    if (words[words.length - 1] !== ']]') return null;
    words = words.slice(1, -1);
    doubleBracket = true;
  } else if (words[0] === 'test') words = words.slice(1);
  else return null;
  if (words[0] === '!') {
    negate = !negate;
    words = words.slice(1);
  }
  if (words.some((w) => w.includes(UNKNOWN_MARK))) return null;
  let result: boolean | null = null;
  if (words.length === 3 && ['=', '==', '!='].includes(words[1]!)) {
    const [left, op, right] = words as [string, string, string];
    const equal = doubleBracket ? picomatch.isMatch(left, right, { dot: true }) : left === right;
    result = op === '!=' ? !equal : equal;
  } else if (words.length === 3 && words[1] === '=~' && doubleBracket) {
    try {
      result = new RegExp(words[2]!).test(words[0]!);
    } catch {
      result = null;
    }
  } else if (words.length === 2 && words[0] === '-z') result = words[1] === '';
  else if (words.length === 2 && words[0] === '-n') result = words[1] !== '';
  else if (words.length === 1) result = words[0] !== '';
  else if (words.length === 0) result = false;
  return result === null ? null : negate ? !result : result;
}

/**
 * Does a `case` word match one of the arm's patterns (shell pattern matching, 2.13: `*`
 * matches any string, the empty one and `/` included)? Null when the word is not known.
 */
function caseMatches(word: string, patterns: string[]): boolean | null {
  if (word.includes(UNKNOWN_MARK) || patterns.some((p) => p.includes(UNKNOWN_MARK))) return null;
  return patterns.some((p) =>
    word === '' ? /^\**$/.test(p) : picomatch.isMatch(word, p, { dot: true, bash: true }),
  );
}

/**
 * Whether a command with these guards runs: true, false, or null when a selector or condition
 * cannot be decided. `expand` turns raw words into argv (with known substitutions applied).
 */
export function guardsAllow(
  guards: Guard[],
  expand: (words: string[]) => string[],
): boolean | null {
  let unknown = false;
  for (const guard of guards) {
    let runs: boolean | null;
    if (guard.kind === 'case') {
      const word = expand([guard.word]).join(' ');
      // Patterns are expanded and unquoted like words ("linux/amd64") but not split.
      const unquote = (patterns: string[]): string[] => patterns.map((p) => expand([p]).join(' '));
      const earlier = caseMatches(word, unquote(guard.earlier));
      const mine = caseMatches(word, unquote(guard.patterns));
      runs = earlier === true ? false : earlier === null || mine === null ? null : mine;
    } else if (guard.kind === 'if') {
      runs = true;
      for (let arm = 0; arm < guard.conditions.length && arm <= guard.arm; arm++) {
        const outcomes = guard.conditions[arm]!.map((c) => evaluateTest(expand(c)));
        const holds = outcomes.includes(false) ? false : outcomes.includes(null) ? null : true;
        const wanted = arm === guard.arm;
        if (holds === null) {
          runs = null;
          if (wanted) break;
          continue;
        }
        if (holds !== wanted) {
          runs = false;
          break;
        }
      }
    } else {
      const outcome = evaluateTest(expand(guard.words));
      runs = outcome === null ? null : outcome === guard.expect;
    }
    if (runs === false) return false;
    if (runs === null) unknown = true;
  }
  return unknown ? null : true;
}

/** A stable key for the guard that makes a command's outcome unknown, and its arm. */
export function alternativeOf(
  guards: Guard[],
  expand: (words: string[]) => string[],
): { key: string; arm: string; what: string } | null {
  for (const guard of guards) {
    if (guardsAllow([guard], expand) !== null) continue;
    if (guard.kind === 'case')
      return { key: `case ${guard.group}`, arm: String(guard.arm), what: `case ${guard.word}` };
    if (guard.kind === 'if')
      return { key: `if ${guard.group}`, arm: String(guard.arm), what: 'if' };
    return {
      key: `test ${guard.words.join(' ')}`,
      arm: String(guard.expect),
      what: guard.words.join(' '),
    };
  }
  return null;
}
