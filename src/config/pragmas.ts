/**
 * Inline pragmas: a comment directly above a Dockerfile instruction suppresses findings blamed
 * on that instruction.
 *
 *     # exit139-guard ignore=EG103,EG105 reason="libcuda is mounted by the NVIDIA runtime" expires=2026-12-31
 *     COPY --from=build /out/app /app
 *
 * Only comment lines may stand between the pragma and the instruction. A pragma that is malformed,
 * names an unknown rule, has no reason or is followed by nothing is an error naming
 * `Dockerfile:line:column`, never ignored. This reads lines only (comments, continuation lines,
 * heredocs), because dockerfile-ast drops the comments' link to the next instruction.
 */
import { InputError } from '../errors.js';
import { isRuleId, unknownRuleMessage } from '../rules/catalog.js';

export interface Pragma {
  rules: string[];
  reason: string;
  expires: string | null;
  /** The instruction it applies to (1-based, inclusive). */
  startLine: number;
  endLine: number;
  /** `Dockerfile:line` of the pragma itself. */
  source: string;
}

const PRAGMA_START = /^\s*#\s*exit139-guard\b/;
const TOKEN = /\s*([a-z]+)=("((?:[^"\\]|\\.)*)"|\S+)/y;

function fail(file: string, line: number, column: number, message: string): never {
  throw new InputError(`${file}:${line}:${column}: ${message}`);
}

/** The escape character from a `# escape=` parser directive at the top of the file. */
function escapeCharacter(lines: string[]): string {
  for (const line of lines) {
    const directive = /^\s*#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'escape') return directive[2]!;
  }
  return '\\';
}

/** The last line (0-based) of the instruction starting at `start`: continuations and heredocs. */
function instructionEnd(lines: string[], start: number, escape: string): number {
  let index = start;
  const heredocs: string[] = [];
  for (;;) {
    const line = lines[index] ?? '';
    for (const match of line.matchAll(/<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g))
      heredocs.push(match[3]!);
    const continued = line.trimEnd().endsWith(escape) && !/^\s*#/.test(line);
    if (!continued || index + 1 >= lines.length) break;
    index++;
    // Comment and empty lines inside a continued instruction are skipped by the parser.
    while (index + 1 < lines.length && (/^\s*#/.test(lines[index]!) || lines[index]!.trim() === ''))
      index++;
  }
  for (const delimiter of heredocs) {
    while (index + 1 < lines.length) {
      index++;
      if (lines[index]!.replace(/^\t+/, '').trimEnd() === delimiter) break;
    }
  }
  return index;
}

function parsePragmaLine(
  line: string,
  lineNumber: number,
  file: string,
): Omit<Pragma, 'startLine' | 'endLine'> {
  const prefix = PRAGMA_START.exec(line)!;
  const fields = new Map<string, string>();
  let position = prefix[0].length;
  while (line.slice(position).trim() !== '') {
    TOKEN.lastIndex = position;
    const token = TOKEN.exec(line);
    const column =
      position + (line.slice(position).length - line.slice(position).trimStart().length) + 1;
    if (!token)
      fail(
        file,
        lineNumber,
        column,
        'expected key=value in the exit139-guard pragma (ignore=EG101 reason="...")',
      );
    const [, key, raw, quoted] = token;
    if (!['ignore', 'reason', 'expires'].includes(key!)) {
      fail(
        file,
        lineNumber,
        column,
        `unknown pragma field '${key}' (expected ignore, reason, expires)`,
      );
    }
    if (fields.has(key!)) fail(file, lineNumber, column, `'${key}' given twice`);
    fields.set(key!, quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : raw!);
    position = TOKEN.lastIndex;
  }
  const at = prefix[0].length + 2;
  const ignore = fields.get('ignore');
  if (!ignore) fail(file, lineNumber, at, "the pragma needs 'ignore=<rule ids>'");
  const rules = ignore.split(',').map((r) => r.trim());
  const unknown = rules.find((r) => !isRuleId(r));
  if (unknown !== undefined) {
    fail(file, lineNumber, line.indexOf(unknown) + 1, unknownRuleMessage(unknown));
  }
  const reason = fields.get('reason')?.trim();
  if (!reason)
    fail(
      file,
      lineNumber,
      at,
      'the pragma needs reason="..." saying why the finding does not apply',
    );
  const expires = fields.get('expires') ?? null;
  if (expires !== null && !/^\d{4}-\d{2}-\d{2}$/.test(expires)) {
    fail(
      file,
      lineNumber,
      line.indexOf('expires=') + 1,
      `'expires' must be a date YYYY-MM-DD, not '${expires}'`,
    );
  }
  return { rules, reason, expires, source: `${file}:${lineNumber}` };
}

/** Finds the pragmas of a Dockerfile; `file` names it in messages and suppression sources. */
export function parsePragmas(text: string, file: string): Pragma[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const escape = escapeCharacter(lines);
  const pragmas: Pragma[] = [];
  let pending: { pragma: Omit<Pragma, 'startLine' | 'endLine'>; line: number }[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (PRAGMA_START.test(line)) {
      pending.push({ pragma: parsePragmaLine(line, index + 1, file), line: index + 1 });
      continue;
    }
    if (/^\s*#/.test(line)) continue;
    if (line.trim() === '') {
      if (pending.length > 0) {
        fail(
          file,
          pending[0]!.line,
          1,
          'the exit139-guard pragma must be directly above the instruction it applies to',
        );
      }
      continue;
    }
    const end = instructionEnd(lines, index, escape);
    for (const { pragma } of pending)
      pragmas.push({ ...pragma, startLine: index + 1, endLine: end + 1 });
    pending = [];
    index = end;
  }
  if (pending.length > 0)
    fail(file, pending[0]!.line, 1, 'the exit139-guard pragma is not followed by an instruction');
  return pragmas;
}
