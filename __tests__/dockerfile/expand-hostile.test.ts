/**
 * Hostile Dockerfile expansion (issue 16, item 6), each the smallest input of its kind, and the
 * pattern rules of BuildKit's lexer (frontend/dockerfile/shell/lex.go,
 * convertShellPatternToRegex) that the linear matcher must keep: brackets are literal, `\*`
 * `\?` `\\` `\}` `\/` escape, other escapes are errors, `?` and `*` do not cross a newline.
 */
import { describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import {
  ExpandError,
  MAX_EXPANDED_LENGTH,
  MAX_NESTING,
  expandWord,
} from '../../src/dockerfile/expand.js';
import { readDockerfile } from '../../src/dockerfile/model.js';
import {
  MAX_INSTRUCTION_BYTES,
  MAX_LINE_BYTES,
  MAX_STAGES,
  parseDockerfile,
} from '../../src/dockerfile/syntax.js';
import { thrownMessage } from '../support/thrown.js';

const x = (text: string, vars: Record<string, string>, shell = false): string =>
  expandWord(text, (name) => vars[name], { shell });

const inputError = (run: () => unknown): string => thrownMessage(run);
const expandError = (run: () => unknown): string => thrownMessage(run, ExpandError);

describe('bounds', () => {
  it(`nests substitutions up to ${MAX_NESTING} deep, and says so past that (not a stack overflow)`, () => {
    const nested = (depth: number): string => '${a:-'.repeat(depth) + 'x' + '}'.repeat(depth);
    expect(x(nested(MAX_NESTING), {})).toBe('x');
    expect(expandError(() => x(nested(2500), {}))).toBe(
      `substitutions nested more than ${MAX_NESTING} deep`,
    );
  });

  it('stops a value doubling past the length limit with the line that does it', () => {
    const lines = ['FROM scratch', 'ARG A=x', ...Array(29).fill('ARG A=${A}${A}'), 'LABEL a=$A'];
    // 2^21 > MAX_EXPANDED_LENGTH: the 21st doubling, on line 23.
    expect(inputError(() => readDockerfile(lines.join('\n') + '\n', { path: 'Dockerfile' }))).toBe(
      `Dockerfile:23: the expanded word is longer than ${MAX_EXPANDED_LENGTH} characters`,
    );
  });

  it('matches a pattern made to backtrack in linear time (`${A%*a*a*…*b}`)', () => {
    const value = 'a'.repeat(5000);
    const pattern = '*a'.repeat(40) + '*b';
    const started = performance.now();
    expect(x(`\${A%${pattern}}`, { A: value })).toBe(value);
    expect(x(`\${A%%${pattern}}`, { A: value })).toBe(value);
    expect(x(`\${A//${pattern}/z}`, { A: value })).toBe(value);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('refuses a line of 64 KiB as BuildKit does, and an instruction continued past 256 KiB', () => {
    const long = `FROM scratch\nLABEL a=${'x'.repeat(MAX_LINE_BYTES - 8)}\n`;
    expect(parseDockerfile(long, 'Dockerfile').instructions).toHaveLength(2);
    expect(inputError(() => parseDockerfile(long.replace('a=', 'ab='), 'Dockerfile'))).toBe(
      'Dockerfile:2: dockerfile line greater than max allowed size of 65535',
    );
    const piece = `${'x '.repeat(30000)}\\\n`;
    const continued = `FROM scratch\nRUN echo \\\n${piece.repeat(5)}done\n`;
    expect(inputError(() => parseDockerfile(continued, 'Dockerfile'))).toBe(
      `Dockerfile:2: the instruction continues over more than ${MAX_INSTRUCTION_BYTES} bytes, the most examined`,
    );
    // Under the escape directive, a backquote continues the line instead.
    const backquoted = `# escape=\`\nFROM scratch\nRUN echo \`\n${piece.replaceAll('\\', '`').repeat(5)}done\n`;
    expect(inputError(() => parseDockerfile(backquoted, 'Dockerfile'))).toBe(
      `Dockerfile:3: the instruction continues over more than ${MAX_INSTRUCTION_BYTES} bytes, the most examined`,
    );
  });

  it(`reads a chain of ${MAX_STAGES} stages, and refuses one more (not a stack overflow)`, () => {
    const chain = (n: number, copy: boolean): string =>
      'FROM scratch AS s0\n' +
      Array.from({ length: n - 1 }, (_, i) =>
        copy ? `FROM scratch AS s${i + 1}\nCOPY --from=s${i} /a /a\n` : `FROM s${i} AS s${i + 1}\n`,
      ).join('');
    expect(readDockerfile(chain(MAX_STAGES, false), { path: 'Dockerfile' }).stages).toHaveLength(
      MAX_STAGES,
    );
    expect(readDockerfile(chain(MAX_STAGES, true), { path: 'Dockerfile' }).stages).toHaveLength(
      MAX_STAGES,
    );
    expect(inputError(() => readDockerfile(chain(2500, false), { path: 'Dockerfile' }))).toBe(
      `Dockerfile:${MAX_STAGES + 1}: more than ${MAX_STAGES} stages, the most examined`,
    );
  });
});

describe("BuildKit's patterns", () => {
  it('takes brackets literally: `[z-a]` is four characters, not an error', () => {
    expect(x('${A#[z-a]}', { A: '[z-a]rest' })).toBe('rest');
    expect(x('${A#[a-z]}', { A: 'zebra' })).toBe('zebra');
  });
  it('escapes * ? \\ } / and refuses any other escape', () => {
    expect(x('${A#\\*}', { A: '*x' })).toBe('x');
    expect(x('${A#\\*}', { A: 'yx' })).toBe('yx');
    expect(x('${A%\\}}', { A: 'x}' })).toBe('x');
    expect(expandError(() => x('${A#\\q}', { A: 'q' }))).toBe(
      "invalid pattern (\\q) in substitution: invalid escape '\\q'",
    );
  });
  it('does not let ? or * cross a newline', () => {
    expect(x('${A#a?}', { A: 'a\nb' })).toBe('a\nb');
    expect(x('${A##*}', { A: 'ab\ncd' })).toBe('\ncd');
  });
  it('finds the shortest and longest prefix and suffix, and the leftmost-longest match', () => {
    expect(x('${A#*.}', { A: 'a.b.c' })).toBe('b.c');
    expect(x('${A##*.}', { A: 'a.b.c' })).toBe('c');
    expect(x('${A%.*}', { A: 'a.b.c' })).toBe('a.b');
    expect(x('${A%%.*}', { A: 'a.b.c' })).toBe('a');
    expect(x('${A/b*/X}', { A: 'abcabc' })).toBe('aX');
    expect(x('${A//b?/X}', { A: 'abcabc' })).toBe('aXaX');
  });
  it('replaces every match as Go does, an empty match after a match included', () => {
    expect(x('${A//x*/-}', { A: 'axxbx' })).toBe('a-');
    expect(x('${A//x?/-}', { A: 'axxbxy' })).toBe('a-b-');
    expect(x('${A//*/-}', { A: 'ab' })).toBe('-');
  });
});

describe('/bin/sh patterns in RUN words', () => {
  it('has bracket expressions, where a reversed range matches nothing (as dash)', () => {
    expect(x('${A#[a-z]}', { A: 'zebra' }, true)).toBe('ebra');
    expect(x('${A#[z-a]}', { A: 'zebra' }, true)).toBe('zebra');
    expect(x('${A#[!a-y]}', { A: 'zebra' }, true)).toBe('ebra');
  });
});
