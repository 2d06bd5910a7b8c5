/**
 * The patterns of `${VAR#p}` `${VAR%p}` `${VAR/p/r}`, matched without backtracking. BuildKit
 * (frontend/dockerfile/shell/lex.go, convertShellPatternToRegex) turns the pattern into a Go
 * RE2 expression: `*` is `.*` (`.*?` for the shortest forms), `?` is `.`, neither crosses a
 * newline, brackets and every other character are literal, `\*` `\?` `\\` escape, `\}` `\/` drop
 * their backslash, and any other escape is an error. /bin/sh (for RUN words) adds bracket
 * expressions, where a range whose ends are reversed (`[z-a]`) matches nothing, as in dash.
 *
 * Matching simulates the pattern's automaton over the value's code points (Thompson's
 * construction; one pass, time O(value × pattern), memory O(pattern)), so no pattern can take
 * exponential time, unlike the backtracking regular expressions this replaces.
 */
import { ExpandError } from './expand.js';

type Token =
  | { kind: 'char'; code: number }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negated: boolean; ranges: [number, number][] };

export interface Pattern {
  readonly tokens: readonly Token[];
}

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

function codePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) out.push(ch.codePointAt(0)!);
  return out;
}

/** A bracket expression at `at` (just after `[`); null when it has no closing `]` (literal). */
function bracket(chars: number[], at: number): { token: Token; end: number } | null {
  let i = at;
  const negated = chars[i] === 0x21; /* ! */
  if (negated) i++;
  const ranges: [number, number][] = [];
  let first = true;
  while (i < chars.length && (first || chars[i] !== 0x5d) /* ] */) {
    first = false;
    let low = chars[i]!;
    if (low === BACKSLASH && i + 1 < chars.length) low = chars[++i]!;
    i++;
    let high = low;
    if (chars[i] === 0x2d /* - */ && i + 1 < chars.length && chars[i + 1] !== 0x5d) {
      high = chars[i + 1]!;
      if (high === BACKSLASH && i + 2 < chars.length) high = chars[++i + 1]!;
      i += 2;
    }
    ranges.push([low, high]);
  }
  if (i >= chars.length) return null;
  return { token: { kind: 'class', negated, ranges }, end: i + 1 };
}

/**
 * Compiles `pattern`. `shell`: /bin/sh rules (bracket expressions; a backslash quotes any
 * character); otherwise BuildKit's, where an escape other than `\*` `\?` `\\` `\}` `\/` is an
 * ExpandError naming it.
 */
export function compilePattern(pattern: string, shell: boolean): Pattern {
  const chars = codePoints(pattern);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === 0x2a /* * */) {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === 0x3f /* ? */) tokens.push({ kind: 'any' });
    else if (c === BACKSLASH && i + 1 < chars.length) {
      const next = chars[++i]!;
      if (!shell && ![0x2a, 0x3f, BACKSLASH, 0x7d, 0x2f].includes(next)) {
        throw new ExpandError(
          `invalid pattern (${pattern}) in substitution: invalid escape '\\${String.fromCodePoint(next)}'`,
        );
      }
      tokens.push({ kind: 'char', code: next });
    } else if (c === 0x5b /* [ */ && shell) {
      const found = bracket(chars, i + 1);
      if (found) {
        tokens.push(found.token);
        i = found.end - 1;
      } else tokens.push({ kind: 'char', code: c });
    } else tokens.push({ kind: 'char', code: c });
  }
  return { tokens };
}

function accepts(token: Token, c: number): boolean {
  switch (token.kind) {
    case 'char':
      return token.code === c;
    case 'any':
    case 'star':
      return c !== NEWLINE;
    case 'class': {
      const inside = token.ranges.some(([low, high]) => c >= low && c <= high);
      return inside !== token.negated;
    }
  }
}

/** The automaton over `tokens`: state i means tokens [0, i) are matched; a star may repeat. */
class Automaton {
  readonly size: number;
  constructor(readonly tokens: readonly Token[]) {
    this.size = tokens.length + 1;
  }

  /** Adds `state` and what it reaches without input (past stars), keeping the smallest start. */
  add(starts: Int32Array, state: number, start: number): void {
    for (let s = state; s < this.size; s++) {
      if (starts[s] !== -1 && starts[s]! <= start) return;
      starts[s] = start;
      if (this.tokens[s]?.kind !== 'star') return;
    }
  }

  /** The states after reading `c` from `current`; returns whether any is alive. */
  step(current: Int32Array, next: Int32Array, c: number): boolean {
    next.fill(-1);
    let alive = false;
    for (let s = 0; s < this.tokens.length; s++) {
      const start = current[s]!;
      if (start === -1 || !accepts(this.tokens[s]!, c)) continue;
      this.add(next, this.tokens[s]!.kind === 'star' ? s : s + 1, start);
      alive = true;
    }
    return alive;
  }
}

/** Lengths k for which the pattern matches `value[0, k)` exactly: the shortest or the longest. */
function prefixMatch(pattern: Pattern, value: number[], longest: boolean): number | null {
  const automaton = new Automaton(pattern.tokens);
  let current = new Int32Array(automaton.size).fill(-1);
  let next = new Int32Array(automaton.size);
  automaton.add(current, 0, 0);
  const final = automaton.size - 1;
  let best: number | null = current[final] !== -1 ? 0 : null;
  if (best !== null && !longest) return 0;
  for (let i = 0; i < value.length; i++) {
    if (!automaton.step(current, next, value[i]!)) break;
    [current, next] = [next, current];
    if (current[final] !== -1) {
      best = i + 1;
      if (!longest) return best;
    }
  }
  return best;
}

function reversed(pattern: Pattern): Pattern {
  return { tokens: [...pattern.tokens].reverse() };
}

/** `${VAR#p}` (shortest) and `${VAR##p}` (longest): the value without the matched prefix. */
export function trimPrefix(value: string, pattern: Pattern, longest: boolean): string {
  const chars = codePoints(value);
  const length = prefixMatch(pattern, chars, longest);
  return length === null ? value : String.fromCodePoint(...chars.slice(length));
}

/** `${VAR%p}` and `${VAR%%p}`: as BuildKit does, the prefix match of the reversed pattern on the reversed value. */
export function trimSuffix(value: string, pattern: Pattern, longest: boolean): string {
  const chars = codePoints(value).reverse();
  const length = prefixMatch(reversed(pattern), chars, longest);
  if (length === null) return value;
  return fromCodePoints(chars.slice(length).reverse());
}

function fromCodePoints(chars: number[]): string {
  let out = '';
  // In pieces: String.fromCodePoint takes its arguments on the stack.
  for (let i = 0; i < chars.length; i += 8192)
    out += String.fromCodePoint(...chars.slice(i, i + 8192));
  return out;
}

/**
 * The leftmost match at or after `from`, the longest from that start (RE2's leftmost-first
 * with greedy stars gives the same), as [start, end) in code points; null when none.
 */
function search(automaton: Automaton, value: number[], from: number): [number, number] | null {
  let current = new Int32Array(automaton.size).fill(-1);
  let next = new Int32Array(automaton.size);
  const final = automaton.size - 1;
  let match: [number, number] | null = null;
  for (let i = from; ; i++) {
    if (match === null) automaton.add(current, 0, i);
    if (current[final] !== -1) {
      const start = current[final]!;
      if (match === null || start < match[0] || (start === match[0] && i > match[1]))
        match = [start, i];
    }
    if (i >= value.length) break;
    const alive = automaton.step(current, next, value[i]!);
    [current, next] = [next, current];
    if (match !== null) {
      // Threads that started after the match cannot beat it; earlier ones may still match
      // further left, and ones from its start may make it longer.
      for (let s = 0; s < automaton.size; s++) if (current[s]! > match[0]) current[s] = -1;
      if (!alive || !current.some((start) => start !== -1)) break;
    }
  }
  return match;
}

/** Go's Regexp.Expand for a pattern without groups: `$$` is `$`, `$0`/`${0}` the match, other names empty. */
function expandTemplate(template: string, matched: string): string {
  return template.replace(
    /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (whole, dollar, braced, bare) => {
      if (dollar === '$') return '$';
      const name = (braced ?? bare) as string;
      if (name === undefined) return whole;
      return /^\d+$/.test(name) && Number(name) === 0 ? matched : '';
    },
  );
}

/**
 * `${VAR/p/r}` replaces the first match, `${VAR//p/r}` every match as Go's
 * Regexp.ReplaceAllString does (an empty match right after a match is not replaced; the
 * replacement is a template there, as in BuildKit).
 */
export function replaceMatches(
  value: string,
  pattern: Pattern,
  replacement: string,
  all: boolean,
): string {
  const chars = codePoints(value);
  const automaton = new Automaton(pattern.tokens);
  if (!all) {
    const match = search(automaton, chars, 0);
    if (!match) return value;
    return (
      fromCodePoints(chars.slice(0, match[0])) + replacement + fromCodePoints(chars.slice(match[1]))
    );
  }
  let out = '';
  let lastEnd = 0;
  let searchAt = 0;
  while (searchAt <= chars.length) {
    const match = search(automaton, chars, searchAt);
    if (!match) break;
    out += fromCodePoints(chars.slice(lastEnd, match[0]));
    if (match[1] > lastEnd || match[0] === 0) {
      out += expandTemplate(replacement, fromCodePoints(chars.slice(match[0], match[1])));
    }
    lastEnd = match[1];
    searchAt = searchAt + 1 > match[1] ? searchAt + 1 : match[1];
  }
  return out + fromCodePoints(chars.slice(lastEnd));
}
