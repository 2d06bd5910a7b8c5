/**
 * `#!/usr/bin/env NAME` as env runs it. The kernel passes everything after the interpreter as
 * one argument, so env sees `NAME` (with a `\r` from a CRLF script, or `bash -e` as one word)
 * unless the argument starts with `-S` (GNU coreutils 8.30+, env.c: split the string into words
 * at blanks, honouring quotes and backslash escapes). After options and `VAR=value`
 * assignments, the first word is the command, found with execvp(3) in the PATH of the
 * environment env was given: the container's.
 */

export interface EnvCommand {
  /** The command env will execvp, exactly (control characters included). */
  command: string;
  /** Words that went into it, for evidence (`-S bash -e` -> `bash`, `-e`). */
  words: string[];
}

export type EnvParse =
  | { ok: true; command: EnvCommand }
  /** env runs no command (prints its environment) or the form is one this model does not follow. */
  | { ok: false; reason: string };

/**
 * Splits a `-S` string as coreutils' env does (`split_string`): blanks separate words, single
 * quotes keep everything, double quotes and bare text take backslash escapes (`\_` is a blank,
 * `\c` ends the string); a `${VAR}` reference is left as written (its value is not known here).
 */
export function splitEnvString(text: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
      continue;
    }
    if (c === '\\') {
      const next = text[i + 1];
      i++;
      if (next === undefined) return null;
      if (next === 'c') break;
      const escaped: Record<string, string> = {
        _: ' ',
        n: '\n',
        r: '\r',
        t: '\t',
        f: '\f',
        v: '\v',
      };
      word = (word ?? '') + (escaped[next] ?? next);
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r') {
      if (word !== null) words.push(word);
      word = null;
      continue;
    }
    word = (word ?? '') + c;
  }
  if (quote !== null) return null;
  if (word !== null) words.push(word);
  return words;
}

/**
 * The command GNU env (or BusyBox env without -S) runs for the kernel's argument `argument` of
 * a `#!…/env` line. `argument` null: env is given the script itself as its command.
 */
export function envCommand(argument: string | null, gnu: boolean): EnvParse {
  if (argument === null) return { ok: false, reason: 'env gets no command from the #! line' };
  let words: string[];
  if (argument.startsWith('-S') || argument.startsWith('--split-string=')) {
    if (!gnu) return { ok: false, reason: 'only GNU env splits a -S string' };
    const rest = argument.startsWith('-S')
      ? argument.slice(2)
      : argument.slice('--split-string='.length);
    const split = splitEnvString(rest);
    if (split === null) return { ok: false, reason: 'the -S string has an unterminated quote' };
    words = split;
  } else if (argument.startsWith('-')) {
    return { ok: false, reason: `env options other than -S (${argument}) are not followed` };
  } else {
    words = [argument];
  }
  const command = words.find((w) => !/^[^=]+=/.test(w) || w.startsWith('='));
  if (command === undefined) return { ok: false, reason: 'env gets only assignments, no command' };
  if (command.startsWith('-'))
    return { ok: false, reason: `env options (${command}) are not followed` };
  return { ok: true, command: { command, words } };
}
