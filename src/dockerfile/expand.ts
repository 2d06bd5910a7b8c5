/**
 * BuildKit's word processing (frontend/dockerfile/shell/lex.go semantics): quote removal, the
 * escape character, and `$VAR` / `${VAR...}` expansion with the modifiers `:-` `-` `:+` `+`
 * `:?` `?` `#` `##` `%` `%%` `/` `//`. Hand-written because dockerfile-ast parses modifiers but
 * does not apply them (see shared/notes/dockerfile-semantics.md, limit (b)).
 *
 * The same engine, with `shell: true`, expands words of RUN commands the way /bin/sh would for
 * the constructs that matter here; a command substitution `$(...)` or backquotes yields
 * UNKNOWN_MARK, so callers can tell that a value is computed at build time.
 *
 * Hostile input is bounded (an ExpandError, never a stack overflow or a string too long for the
 * engine): substitutions nest at most MAX_NESTING deep, an expanded word is at most
 * MAX_EXPANDED_LENGTH characters, and patterns are matched by an automaton (pattern.ts).
 */
import { compilePattern, replaceMatches, trimPrefix, trimSuffix } from './pattern.js';

/** How deep `${a:-${b:-…}}` may nest; real Dockerfiles nest two or three. */
export const MAX_NESTING = 64;
/** The longest expanded word, in UTF-16 code units (doubling `${A}${A}` reaches it in 20 steps). */
export const MAX_EXPANDED_LENGTH = 1024 * 1024;

/** Inserted where a value is computed at build time (command substitution, `$(...)`). */
export const UNKNOWN_MARK = '\u0000';

/** Returns the value of a variable, or undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

export interface ExpandOptions {
  escape?: string;
  /** RUN words: `$(...)` and backquotes are command substitutions (UNKNOWN_MARK). */
  shell?: boolean;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

class Lexer {
  pos = 0;
  private depth = 0;
  constructor(
    readonly text: string,
    readonly lookup: Lookup,
    readonly escape: string,
    readonly shell: boolean,
  ) {}

  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  /** Reads one word up to unquoted whitespace (or `stop` characters); processes quotes. */
  word(stop: string): { value: string; quoted: boolean } {
    let value = '';
    let quoted = false;
    while (this.pos < this.text.length) {
      const ch = this.peek();
      if (stop.includes(ch) || /\s/.test(ch)) break;
      if (ch === this.escape) {
        this.pos++;
        if (this.pos < this.text.length) value += this.text[this.pos++];
        continue;
      }
      if (ch === "'") {
        quoted = true;
        this.pos++;
        while (this.pos < this.text.length && this.peek() !== "'") value += this.text[this.pos++];
        this.pos++;
        continue;
      }
      if (ch === '"') {
        quoted = true;
        this.pos++;
        value += this.doubleQuoted();
        continue;
      }
      if (ch === '$') {
        value = bounded(value + this.dollar());
        continue;
      }
      if (this.shell && ch === '`') {
        this.skipBackquote();
        value += UNKNOWN_MARK;
        continue;
      }
      value += ch;
      this.pos++;
    }
    return { value, quoted };
  }

  doubleQuoted(): string {
    let value = '';
    while (this.pos < this.text.length) {
      const ch = this.peek();
      if (ch === '"') {
        this.pos++;
        return value;
      }
      if (ch === this.escape && ['"', '$', this.escape, '`'].includes(this.peek(1))) {
        value += this.peek(1);
        this.pos += 2;
        continue;
      }
      if (ch === '$') {
        value = bounded(value + this.dollar());
        continue;
      }
      if (this.shell && ch === '`') {
        this.skipBackquote();
        value += UNKNOWN_MARK;
        continue;
      }
      value += ch;
      this.pos++;
    }
    return value;
  }

  skipBackquote(): void {
    this.pos++;
    while (this.pos < this.text.length && this.peek() !== '`') this.pos++;
    this.pos++;
  }

  /** At a `$`: expands it, or returns a literal `$`. */
  dollar(): string {
    this.pos++;
    const next = this.peek();
    if (this.shell && next === '(') {
      let depth = 0;
      while (this.pos < this.text.length) {
        const c = this.text[this.pos++];
        if (c === '(') depth++;
        else if (c === ')' && --depth === 0) break;
      }
      return UNKNOWN_MARK;
    }
    if (next === '{') {
      this.pos++;
      return this.braced();
    }
    if (NAME_START.test(next)) {
      let name = '';
      while (NAME_CHAR.test(this.peek())) name += this.text[this.pos++];
      return this.lookup(name) ?? '';
    }
    if (this.shell && /[0-9@*#?$!-]/.test(next)) {
      this.pos++;
      return UNKNOWN_MARK;
    }
    return '$';
  }

  /** After `${`: name, optional modifier and its word, up to the matching `}`. */
  braced(): string {
    if (this.depth >= MAX_NESTING) {
      throw new ExpandError(`substitutions nested more than ${MAX_NESTING} deep`);
    }
    this.depth++;
    try {
      return this.modified();
    } finally {
      this.depth--;
    }
  }

  private modified(): string {
    let name = '';
    while (NAME_CHAR.test(this.peek())) name += this.text[this.pos++];
    if (name === '') throw new ExpandError(`bad substitution: \${ must be followed by a name`);
    const value = this.lookup(name);
    if (this.peek() === '}') {
      this.pos++;
      return value ?? '';
    }
    let modifier = this.text[this.pos++] ?? '';
    if (
      modifier === ':' ||
      (modifier === '#' && this.peek() === '#') ||
      (modifier === '%' && this.peek() === '%') ||
      (modifier === '/' && this.peek() === '/')
    ) {
      modifier += this.text[this.pos++] ?? '';
    }
    // BuildKit keeps the escapes of a pattern (and of a replacement) for the pattern compiler.
    const raw = !this.shell;
    if (modifier === '/' || modifier === '//') {
      const pattern = this.modifierWord('/}', raw);
      let replacement = '';
      if (this.peek() === '/') {
        this.pos++;
        replacement = this.modifierWord('}', raw);
      }
      this.expect('}');
      // An empty pattern matches the empty string for BuildKit (RE2), nothing for the shell.
      if (pattern === '' && this.shell) return value ?? '';
      const compiled = compilePattern(pattern, this.shell);
      return bounded(replaceMatches(value ?? '', compiled, replacement, modifier === '//'));
    }
    const isPattern = modifier.startsWith('#') || modifier.startsWith('%');
    const word = this.modifierWord('}', raw && isPattern);
    this.expect('}');
    switch (modifier) {
      case ':-':
        return value === undefined || value === '' ? word : value;
      case '-':
        return value === undefined ? word : value;
      case ':+':
        return value === undefined || value === '' ? '' : word;
      case '+':
        return value === undefined ? '' : word;
      case ':?':
      case '?':
        if (value === undefined || (modifier === ':?' && value === '')) {
          throw new ExpandError(`${name}: ${word || 'is not allowed to be unset'}`);
        }
        return value;
      case '#':
      case '##':
        return trimPrefix(value ?? '', compilePattern(word, this.shell), modifier === '##');
      case '%':
      case '%%':
        return trimSuffix(value ?? '', compilePattern(word, this.shell), modifier === '%%');
      default:
        throw new ExpandError(`unsupported modifier (${modifier}) in substitution`);
    }
  }

  expect(ch: string): void {
    if (this.peek() !== ch) throw new ExpandError(`missing '${ch}' in substitution`);
    this.pos++;
  }

  /**
   * The word of a modifier, expanded, up to one of `stop` at nesting depth 0. `raw` keeps each
   * escape with the character it escapes (a pattern's `\*` stays literal for the compiler).
   */
  modifierWord(stop: string, raw = false): string {
    let value = '';
    while (this.pos < this.text.length && !stop.includes(this.peek())) {
      const ch = this.peek();
      if (ch === this.escape && this.pos + 1 < this.text.length) {
        value += (raw ? ch : '') + this.text[this.pos + 1];
        this.pos += 2;
      } else if (ch === '$') {
        value = bounded(value + this.dollar());
      } else if (ch === "'" || ch === '"') {
        this.pos++;
        if (ch === '"') value += this.doubleQuoted();
        else {
          while (this.pos < this.text.length && this.peek() !== "'") value += this.text[this.pos++];
          this.pos++;
        }
      } else {
        value += ch;
        this.pos++;
      }
    }
    return value;
  }
}

export class ExpandError extends Error {}

/** Throws when an expanded word would pass MAX_EXPANDED_LENGTH. */
function bounded(value: string): string {
  if (value.length > MAX_EXPANDED_LENGTH) {
    throw new ExpandError(`the expanded word is longer than ${MAX_EXPANDED_LENGTH} characters`);
  }
  return value;
}

/** Expands one word (quotes removed), e.g. an ARG default or a COPY source. */
export function expandWord(text: string, lookup: Lookup, options: ExpandOptions = {}): string {
  const lexer = new Lexer(text, lookup, options.escape ?? '\\', options.shell ?? false);
  let out = '';
  while (lexer.pos < text.length) {
    const ch = lexer.peek();
    if (/\s/.test(ch)) {
      out += ch;
      lexer.pos++;
      continue;
    }
    out = bounded(out + lexer.word('').value);
  }
  return out;
}

/** Splits on unquoted whitespace and expands each word (COPY/ADD/FROM arguments). */
export function expandWords(text: string, lookup: Lookup, options: ExpandOptions = {}): string[] {
  const lexer = new Lexer(text, lookup, options.escape ?? '\\', options.shell ?? false);
  const words: string[] = [];
  while (lexer.pos < text.length) {
    if (/\s/.test(lexer.peek())) {
      lexer.pos++;
      continue;
    }
    const { value, quoted } = lexer.word('');
    if (value !== '' || quoted) words.push(value);
  }
  return words;
}

/** Splits on unquoted whitespace without expanding or removing quotes (raw words). */
export function splitRawWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      current += ch;
      if (ch === escape && quote === '"' && i + 1 < text.length) current += text[++i];
      else if (ch === quote) quote = null;
      continue;
    }
    if (/\s/.test(ch)) {
      if (started) words.push(current);
      current = '';
      started = false;
      continue;
    }
    started = true;
    current += ch;
    if (ch === escape && i + 1 < text.length) current += text[++i];
    else if (ch === '"' || ch === "'") quote = ch;
  }
  if (started) words.push(current);
  return words;
}
