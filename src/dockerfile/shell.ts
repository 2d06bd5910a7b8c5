/**
 * Splits the shell text of a RUN into simple commands of raw words: on `&&`, `||`, `;`, `|`,
 * `&`, newlines, parentheses and braces, honouring quotes, `$(...)`, backquotes and comments.
 * Hand-written: no shell parser on npm is in the dependency set, and only this much of sh is
 * needed to find `go build` and the assignments around it (no expansion happens here).
 */

/**
 * A condition a command runs under, as the shell decides it: an arm of `case WORD in`, an arm
 * of `if`/`elif`/`else`, or the left side of `&&` / `||` (POSIX "Shell Command Language",
 * 2.9.3 Lists and 2.9.4 Compound Commands). Evaluated by the RUN reader with the values it
 * knows; an unknown selector makes the arms "one of these" (see run.ts).
 */
export type Guard =
  /** `case word in … pattern) …`: runs when `word` matches one of `patterns` (and no earlier arm did). */
  | {
      kind: 'case';
      group: number;
      arm: number;
      word: string;
      patterns: string[];
      earlier: string[];
    }
  /**
   * `if`/`elif`/`else`: runs when every command of `conditions[arm]` succeeds and every earlier
   * arm's condition failed; `arm === conditions.length` is the `else` arm.
   */
  | { kind: 'if'; group: number; arm: number; conditions: string[][][] }
  /** `test && cmd` (expect true) or `test || cmd` (expect false): a test command's outcome. */
  | { kind: 'test'; words: string[]; expect: boolean };

/**
 * One simple command: its raw words, quotes still in place. `guards`: the conditions that
 * decide whether it runs, outermost first. `uncertain`: whether it runs, or how often, depends
 * on more than its guards (a loop, an `if`/`while` condition, the error path after `||`).
 */
export interface SimpleCommand {
  words: string[];
  guards: Guard[];
  uncertain: boolean;
}

const TESTS = new Set(['[', '[[', 'test', 'grep', 'command', 'which']);

type Frame =
  | { kind: 'if'; group: number; arm: number; conditions: string[][][]; inCondition: boolean }
  | {
      kind: 'case';
      group: number;
      arm: number;
      word: string;
      patterns: string[];
      earlier: string[];
      inPatterns: boolean;
    }
  | { kind: 'loop'; inCondition: boolean };

export function splitCommands(text: string): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  const frames: Frame[] = [];
  let groups = 0;
  let words: string[] = [];
  let word = '';
  let inWord = false;
  /** The `&&`/`||` guards of the current list, reset at `;`, `&` and newlines. */
  let chain: Guard[] = [];
  let chainUnknown = false;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const guardsNow = (): Guard[] => {
    const out: Guard[] = [];
    for (const f of frames) {
      if (f.kind === 'if' && !f.inCondition)
        out.push({
          kind: 'if',
          group: f.group,
          arm: f.arm,
          conditions: f.conditions.slice(0, f.arm + 1),
        });
      else if (f.kind === 'case' && !f.inPatterns)
        out.push({
          kind: 'case',
          group: f.group,
          arm: f.arm,
          word: f.word,
          patterns: [...f.patterns],
          earlier: [...f.earlier],
        });
    }
    return [...out, ...chain];
  };
  const endCommand = (separator: string): void => {
    endWord();
    const top = frames[frames.length - 1];
    // `case` patterns: words up to `)`, alternatives split on `|`.
    if (top?.kind === 'case' && top.inPatterns) {
      if (words[0] === 'esac') {
        frames.pop();
        words = words.slice(1);
      } else {
        const alternatives = words.filter((w) => w !== '(');
        top.patterns.push(...alternatives);
        words = [];
        if (separator === ')') {
          top.inPatterns = false;
          top.arm++;
        }
        return;
      }
    }
    while (words.length > 0) {
      const reserved = words[0]!;
      const frame = frames[frames.length - 1];
      if (reserved === 'if') {
        frames.push({ kind: 'if', group: groups++, arm: 0, conditions: [[]], inCondition: true });
      } else if (reserved === 'then' && frame?.kind === 'if') {
        frame.inCondition = false;
      } else if (reserved === 'elif' && frame?.kind === 'if') {
        frame.arm++;
        frame.conditions.push([]);
        frame.inCondition = true;
      } else if (reserved === 'else' && frame?.kind === 'if') {
        frame.arm = frame.conditions.length;
        frame.inCondition = false;
      } else if (reserved === 'fi' && frame?.kind === 'if') {
        frames.pop();
      } else if (reserved === 'while' || reserved === 'until') {
        frames.push({ kind: 'loop', inCondition: true });
      } else if (reserved === 'do' && frame?.kind === 'loop') {
        frame.inCondition = false;
      } else if (reserved === 'done' && frame?.kind === 'loop') {
        frames.pop();
      } else if (reserved === 'esac' && frame?.kind === 'case') {
        frames.pop();
      } else if (reserved === '{' || reserved === '}' || reserved === '!') {
        if (reserved !== '!') {
          words.shift();
          continue;
        }
        break;
      } else break;
      words.shift();
    }
    if (words[0] === 'for') {
      frames.push({ kind: 'loop', inCondition: false });
      words = [];
    } else if (words[0] === 'case') {
      // `case word in pattern)` may carry its first pattern on the same line.
      const first = words.slice(3).filter((w) => w !== '(');
      const endsPattern = separator === ')' && first.length > 0;
      frames.push({
        kind: 'case',
        group: groups++,
        arm: endsPattern ? 0 : -1,
        word: words[1] ?? '',
        patterns: first,
        earlier: [],
        inPatterns: !endsPattern,
      });
      words = [];
    }
    const negated = words[0] === '!';
    if (negated) words = words.slice(1);
    const frame = frames[frames.length - 1];
    if (words.length > 0) {
      const guards = guardsNow();
      const uncertain =
        chainUnknown || frames.some((f) => f.kind === 'loop' || (f.kind === 'if' && f.inCondition));
      commands.push({ words, guards, uncertain });
      if ((frame?.kind === 'if' || frame?.kind === 'loop') && frame.inCondition) {
        if (frame.kind === 'if')
          frame.conditions[frame.arm]!.push(negated ? ['!', ...words] : words);
      }
      if (separator === '&&' || separator === '||') {
        const test = TESTS.has(words[0]!);
        if (test)
          chain.push({
            kind: 'test',
            words: negated ? ['!', ...words] : words,
            expect: separator === '&&',
          });
        // After a command that is not a test, `&&` continues when it succeeds (as a build
        // step does) and `||` only when it fails. In `test && cmd || other`, `other` runs when
        // the test failed; after anything else, what follows `||` is an error path.
        else if (separator === '||') {
          const only = chain.length === 1 ? chain[0] : undefined;
          if (only?.kind === 'test' && only.expect) chain = [{ ...only, expect: false }];
          else chainUnknown = true;
        }
      }
    }
    if (separator === ';;' && frame?.kind === 'case') {
      frame.earlier.push(...frame.patterns);
      frame.patterns = [];
      frame.inPatterns = true;
    }
    if (separator !== '&&' && separator !== '||' && separator !== '|') {
      chain = [];
      chainUnknown = false;
    }
    words = [];
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (ch === '\\' && i + 1 < text.length) {
      word += ch + text[i + 1];
      inWord = true;
      i += 2;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const end = findQuoteEnd(text, i);
      word += text.slice(i, end + 1);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (ch === '$' && text[i + 1] === '(') {
      const end = findParenEnd(text, i + 1);
      word += text.slice(i, end + 1);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (ch === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i);
      const stop = end < 0 ? text.length - 1 : end;
      word += text.slice(i, stop + 1);
      inWord = true;
      i = stop + 1;
      continue;
    }
    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      const stop = end < 0 ? text.length - 1 : end;
      word += text.slice(i, stop + 1);
      inWord = true;
      i = stop + 1;
      continue;
    }
    if (ch === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '\n' || ch === ';' || ch === '&' || ch === '|' || ch === '(' || ch === ')') {
      const two = text.slice(i, i + 2);
      const separator = two === '&&' || two === '||' || two === ';;' ? two : ch;
      endCommand(separator);
      i += separator.length;
      continue;
    }
    if (/\s/.test(ch)) {
      endWord();
      i++;
      continue;
    }
    word += ch;
    inWord = true;
    i++;
  }
  endCommand('');
  return commands;
}

function findQuoteEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return text.length - 1;
}

function findParenEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
    else if (text[i] === "'" || text[i] === '"') i = findQuoteEnd(text, i);
  }
  return text.length - 1;
}

/** `NAME=value` at the start of a command: an assignment word. */
export function assignmentOf(word: string): { name: string; value: string } | null {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(word);
  return match ? { name: match[1]!, value: match[2]! } : null;
}
