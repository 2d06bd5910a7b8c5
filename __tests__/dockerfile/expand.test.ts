/**
 * Word expansion as BuildKit's shell lexer does it. Each case follows
 * shared/notes/buildkit-dockerfile-reference.md, section "Environment replacement".
 */
import { describe, expect, it } from '@jest/globals';
import { UNKNOWN_MARK, expandWord, expandWords } from '../../src/dockerfile/expand.js';

const vars: Record<string, string> = {
  TARGETPLATFORM: 'linux/arm/v7',
  TARGETVARIANT: 'v7',
  TARGETARCH: 'amd64',
  EMPTY: '',
  PATHS: 'a/b/c.tar.gz',
};
const lookup = (name: string): string | undefined => vars[name];
const x = (text: string): string => expandWord(text, lookup);

describe('reference "Environment replacement": $variable and ${variable}', () => {
  it('replaces both forms and leaves undeclared variables empty', () => {
    expect(x('$TARGETARCH-${TARGETARCH}-$NOPE-${NOPE}x')).toBe('amd64-amd64--x');
  });
  it('keeps an escaped $ literal and a lone $', () => {
    expect(x('\\$TARGETARCH costs $ 5')).toBe('$TARGETARCH costs $ 5');
  });
});

describe('reference "Environment replacement": ${variable:-word} ${variable-word} ${variable:+word} ${variable+word}', () => {
  it(':- uses the word when unset or empty; - only when unset', () => {
    expect(x('${NOPE:-linux}')).toBe('linux');
    expect(x('${EMPTY:-linux}')).toBe('linux');
    expect(x('${EMPTY-linux}')).toBe('');
    expect(x('${TARGETARCH:-arm64}')).toBe('amd64');
  });
  it(':+ gives the word when set and non-empty; + when set', () => {
    expect(x('base${TARGETARCH:+-debug}')).toBe('base-debug');
    expect(x('base${EMPTY:+-debug}')).toBe('base');
    expect(x('base${EMPTY+-debug}')).toBe('base-debug');
    expect(x('base${NOPE+-debug}')).toBe('base');
  });
  it('expands variables inside the word', () => {
    expect(x('${NOPE:-$TARGETARCH}')).toBe('amd64');
  });
});

describe('reference "Environment replacement": ${variable#pattern} ${variable%pattern} ${variable/pattern/replacement}', () => {
  it('# and ## remove the shortest and longest prefix', () => {
    expect(x('${TARGETVARIANT#v}')).toBe('7');
    expect(x('${PATHS#*/}')).toBe('b/c.tar.gz');
    expect(x('${PATHS##*/}')).toBe('c.tar.gz');
  });
  it('% and %% remove the shortest and longest suffix', () => {
    expect(x('${PATHS%.*}')).toBe('a/b/c.tar');
    expect(x('${PATHS%%.*}')).toBe('a/b/c');
  });
  it('/ replaces the first match, // every match', () => {
    expect(x('${TARGETARCH/amd64/x64}')).toBe('x64');
    expect(x('${TARGETPLATFORM/\\//-}')).toBe('linux-arm/v7');
    expect(x('${TARGETPLATFORM//\\//-}')).toBe('linux-arm-v7');
  });
});

describe('quotes and words (reference "Environment replacement", "Format")', () => {
  it('removes quotes; single quotes do not expand', () => {
    expect(x(`"$TARGETARCH"'$TARGETARCH'`)).toBe('amd64$TARGETARCH');
  });
  it('splits on unquoted whitespace only', () => {
    expect(expandWords(`--from=x "a b" c\\ d $TARGETARCH`, lookup)).toEqual([
      '--from=x',
      'a b',
      'c d',
      'amd64',
    ]);
  });
  it('uses the escape directive character', () => {
    expect(expandWord('`$TARGETARCH', lookup, { escape: '`' })).toBe('$TARGETARCH');
  });
  it('marks command substitutions of RUN words as computed at build time', () => {
    expect(expandWord('v$(git describe)-$TARGETARCH', lookup, { shell: true })).toBe(
      `v${UNKNOWN_MARK}-amd64`,
    );
  });
});
