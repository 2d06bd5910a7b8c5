/**
 * Escaping for text that comes from the image (file names, symbols, messages that quote them)
 * before it goes into GitHub-flavoured markdown. A file named `[x](https://evil)`, `<img src=x>`,
 * `@octocat` or one containing `|`, backticks or newlines must show as itself: not a link, not
 * HTML, not a mention or an issue reference, and never break the table it sits in.
 */

/** Control characters (tab apart) and bidirectional overrides, which could hide or reorder text. */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** U+2060 WORD JOINER: invisible, and stops GitHub from reading `@name` or `#123` as a reference. */
const JOINER = '\u2060';

/** Shows invisible characters as `\xNN` / `\u{NNNN}` so that nothing is hidden from a reader. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Shortens to `max` characters with an ellipsis, so one long name cannot fill the comment. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A code span holding `text` literally. Inside code GitHub neither renders markdown or HTML nor
 * links mentions. The fence is one backtick longer than any run of backticks in the text. With
 * `inTable`, `|` is escaped: GFM splits table cells before it parses code spans.
 */
export function codeSpan(text: string, options: { inTable?: boolean; max?: number } = {}): string {
  let body = shorten(visible(text.replace(/\r?\n/g, ' ')), options.max ?? 200);
  if (options.inTable) body = body.replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body === '' ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * Plain text in markdown: every ASCII punctuation character that markdown or HTML could read is
 * backslash-escaped (CommonMark allows it for all of them), newlines become spaces, and `@` and
 * `#` get a word joiner so that GitHub links no user, team or issue.
 */
export function markdownText(text: string, max = 1000): string {
  return shorten(visible(text.replace(/\r?\n/g, ' ')), max)
    .replace(/[\\`*_{}[\]()#+\-.!|<>~&"'=:]/g, (c) => `\\${c}`)
    .replace(/([@#])/g, `$1${JOINER}`);
}

/** Text inside raw HTML (e.g. `<summary>`): entities for the characters HTML reads. */
export function htmlText(text: string, max = 200): string {
  // The joiners go in first: inserted afterwards they would split entities such as `&#39;`.
  return shorten(visible(text.replace(/\r?\n/g, ' ')), max)
    .replace(/([@#])/g, `$1${JOINER}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * A fenced code block holding `text` literally; the fence is longer than any backtick run inside,
 * so the text cannot close it (and with it, the `<details>` around it).
 */
export function codeBlock(text: string, language = 'text'): string {
  const body = text.replace(/\r\n/g, '\n').split('\n').map(visible).join('\n');
  const longestRun = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  return `${fence}${language}\n${body}\n${fence}`;
}
