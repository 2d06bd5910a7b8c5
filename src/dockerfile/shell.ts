/**
 * Splits the shell text of a RUN into simple commands of raw words: on `&&`, `||`, `;`, `|`,
 * `&`, newlines, parentheses and braces, honouring quotes, `$(...)`, backquotes and comments.
 * Hand-written: no shell parser on npm is in the dependency set, and only this much of sh is
 * needed to find `go build` and the assignments around it (no expansion happens here).
 */

/**
 * One simple command: its raw words, quotes still in place. `conditional`: it runs only on
 * some paths (inside if/while/for/case, after `||`, or after `&&` following a test).
 */
export interface SimpleCommand {
  words: string[];
  conditional: boolean;
}

const TESTS = new Set(['[', '[[', 'test', 'grep', 'command', 'which']);

const RESERVED = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'while',
  'until',
  '!',
  '{',
  '}',
  'esac',
]);

export function splitCommands(text: string): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let depth = 0;
  let afterOr = false;
  let afterTestAnd = false;
  let lastProgram = '';
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (separator: string): void => {
    endWord();
    let opens = 0;
    while (words.length > 0 && RESERVED.has(words[0]!)) {
      const reserved = words.shift()!;
      if (reserved === 'if' || reserved === 'while' || reserved === 'until') opens++;
      if (reserved === 'fi' || reserved === 'done' || reserved === 'esac')
        depth = Math.max(0, depth - 1);
    }
    if (words[0] === 'for' || words[0] === 'case') {
      opens++;
      words = [];
    }
    if (words.length > 0) {
      commands.push({ words, conditional: depth > 0 || afterOr || afterTestAnd });
      lastProgram = words[0]!;
    }
    depth += opens;
    afterOr = separator === '||';
    afterTestAnd =
      separator === '&&' && (TESTS.has(lastProgram) || afterTestAnd) && words.length > 0;
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
      const separator = two === '&&' || two === '||' ? two : ch;
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
