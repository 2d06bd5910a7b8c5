/**
 * The Dockerfile's syntax: instructions with their 1-based line ranges, flags, arguments and
 * here-document bodies. dockerfile-ast finds the instructions, the escape directive and the
 * ranges; the argument text is re-assembled here (continuations joined, comment lines inside a
 * continuation dropped, heredoc bodies split off) because the library's argument views drop the
 * flags and keep heredoc bodies inline.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { InputError } from '../errors.js';
import { excerpt } from '../input-files.js';
import type { Range } from './types.js';

export interface Flag {
  name: string;
  value: string | null;
}

export interface Heredoc {
  name: string;
  body: string;
}

export interface Instruction {
  keyword: string;
  range: Range;
  flags: Flag[];
  /** Arguments after the flags, continuations joined, heredoc bodies removed. */
  args: string;
  /** JSON (exec) form, when the arguments are a JSON array of strings. */
  json: string[] | null;
  heredocs: Heredoc[];
}

export interface ParsedDockerfile {
  escape: string;
  instructions: Instruction[];
}

const KEYWORDS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

const WITH_HEREDOCS = new Set(['RUN', 'COPY', 'ADD']);
const WITH_FLAGS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'HEALTHCHECK']);

/**
 * The longest physical line BuildKit reads, in bytes: its parser scans lines with Go's
 * bufio.Scanner (64 KiB buffer, newline included) and fails with this message past it.
 */
export const MAX_LINE_BYTES = 65535;
/**
 * The longest instruction examined, continuation lines joined, in bytes. BuildKit has no such
 * limit; the parser used here (dockerfile-ast) takes time and memory growing faster than an
 * instruction's length (1 MiB of continued lines: 7 s, 500 MB), and real ones are kilobytes.
 */
export const MAX_INSTRUCTION_BYTES = 256 * 1024;

/** The escape character a `# escape=` parser directive sets before the first instruction. */
function escapeDirective(text: string): string {
  const directive =
    /^(?:[ \t]*#[ \t]*\w+[ \t]*=[^\n]*\n)*?[ \t]*#[ \t]*escape[ \t]*=[ \t]*([\\`])/i.exec(
      text.slice(0, 4096),
    );
  return directive?.[1] ?? '\\';
}

/** Checks the size limits above before any parsing, in one pass over the lines. */
function checkSizes(text: string, path: string): void {
  const escape = escapeDirective(text);
  let line = 1;
  let instructionLine = 1;
  let instructionBytes = 0;
  for (let start = 0; start < text.length; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    // UTF-16 units never outnumber UTF-8 bytes; bytes are counted only when it could matter.
    const bytes =
      3 * (end - start) > MAX_LINE_BYTES ? Buffer.byteLength(text.slice(start, end)) : end - start;
    if (bytes > MAX_LINE_BYTES) {
      throw new InputError(
        `${path}:${line}: dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`,
      );
    }
    if (instructionBytes === 0) instructionLine = line;
    instructionBytes += bytes + 1;
    if (instructionBytes > MAX_INSTRUCTION_BYTES) {
      throw new InputError(
        `${path}:${instructionLine}: the instruction continues over more than ${MAX_INSTRUCTION_BYTES} bytes, the most examined`,
      );
    }
    if (!text.slice(start, end).trimEnd().endsWith(escape)) instructionBytes = 0;
    start = end + 1;
  }
}

/** Parses the text; throws InputError (path:line) on an unknown instruction or bad syntax. */
export function parseDockerfile(text: string, path: string): ParsedDockerfile {
  checkSizes(text, path);
  const document = DockerfileParser.parse(text);
  const escape = document.getEscapeCharacter();
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  for (const node of document.getInstructions()) {
    const range = node.getRange();
    const startLine = range.start.line + 1;
    let endLine = range.end.line + 1;
    const keyword = node.getKeyword().toUpperCase();
    if (!KEYWORDS.has(keyword)) {
      // The "keyword" of a file that is not a Dockerfile can be anything (a whole environment
      // block) and messages become annotations: only its leading word (≤ 16 characters) is
      // shown, never what follows a '='.
      const written = node.getKeyword();
      const word = /^[A-Za-z0-9_-]{1,16}/.exec(written)?.[0];
      const shown = word === written ? word : word ? `${word}…` : excerpt(written, 1);
      throw new InputError(`${path}:${startLine}: unknown instruction: ${shown}`);
    }
    const firstLine = lines[startLine - 1] ?? '';
    const keywordAt = firstLine.search(/\S/) + node.getKeyword().length;
    // Join the physical lines of the instruction: an escape at the end continues the line;
    // comment and empty lines inside a continuation are skipped, as BuildKit does.
    let logical = '';
    let current = startLine - 1;
    let text0 = firstLine.slice(keywordAt);
    for (;;) {
      const trimmed = text0.replace(/\s+$/, '');
      if (trimmed.endsWith(escape) && current + 1 < lines.length) {
        logical += trimmed.slice(0, -1);
        current++;
        while (
          current < lines.length &&
          /^\s*(#.*)?$/.test(lines[current]!) &&
          current + 1 < lines.length
        )
          current++;
        text0 = lines[current] ?? '';
        continue;
      }
      logical += text0;
      break;
    }
    endLine = Math.max(endLine, current + 1);
    let args = logical.trim();
    const flags: Flag[] = [];
    if (WITH_FLAGS.has(keyword)) {
      for (;;) {
        const match = /^--([A-Za-z][\w-]*)(?:=("[^"]*"|\S*))?(\s+|$)/.exec(args);
        if (!match) break;
        const raw = match[2];
        flags.push({
          name: match[1]!,
          value: raw === undefined ? null : raw.replace(/^"(.*)"$/, '$1'),
        });
        args = args.slice(match[0].length);
      }
    }
    const heredocs: Heredoc[] = [];
    if (WITH_HEREDOCS.has(keyword)) {
      const marker = /<<(-?)(["']?)([A-Za-z_][\w.-]*)\2/g;
      let match: RegExpExecArray | null;
      let line = current + 1;
      while ((match = marker.exec(args)) !== null) {
        const strip = match[1] === '-';
        const name = match[3]!;
        const body: string[] = [];
        for (;;) {
          if (line >= lines.length) {
            throw new InputError(`${path}:${startLine}: here-document '${name}' is not terminated`);
          }
          const bodyLine = lines[line++]!;
          if ((strip ? bodyLine.replace(/^\t+/, '') : bodyLine).trim() === name) break;
          body.push(strip ? bodyLine.replace(/^\t+/, '') : bodyLine);
        }
        heredocs.push({ name, body: body.join('\n') });
      }
      endLine = Math.max(endLine, line);
    }
    let json: string[] | null = null;
    if (args.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(args);
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string'))
          json = parsed as string[];
      } catch {
        json = null;
      }
    }
    instructions.push({ keyword, range: { startLine, endLine }, flags, args, json, heredocs });
  }
  checkSyntax(instructions, path);
  return { escape, instructions };
}

/**
 * The most stages examined. BuildKit has no limit; the model resolves a stage's base and
 * `COPY --from` sources through the stages they name, one call per stage, so a chain of
 * thousands would exhaust the stack. Real Dockerfiles have a few, generated ones dozens.
 */
export const MAX_STAGES = 256;

function checkSyntax(instructions: Instruction[], path: string): void {
  let seenFrom = false;
  let stages = 0;
  for (const instruction of instructions) {
    const where = `${path}:${instruction.range.startLine}`;
    const { keyword, args } = instruction;
    if (keyword === 'FROM') {
      seenFrom = true;
      if (++stages > MAX_STAGES) {
        throw new InputError(`${where}: more than ${MAX_STAGES} stages, the most examined`);
      }
      const words = args.split(/\s+/).filter(Boolean);
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === 'AS')) {
        throw new InputError(
          `${where}: FROM requires an image and an optional 'AS name', got ${excerpt(args, 64)}`,
        );
      }
    } else if (!seenFrom && keyword !== 'ARG') {
      throw new InputError(
        `${where}: ${keyword} before the first FROM (only ARG may come before it)`,
      );
    }
    if (args === '' && keyword !== 'RUN' && keyword !== 'CMD' && keyword !== 'ENTRYPOINT') {
      throw new InputError(`${where}: ${keyword} requires arguments`);
    }
    if ((keyword === 'COPY' || keyword === 'ADD') && instruction.heredocs.length === 0) {
      const count = instruction.json
        ? instruction.json.length
        : args.split(/\s+/).filter(Boolean).length;
      if (count < 2)
        throw new InputError(`${where}: ${keyword} requires at least a source and a destination`);
    }
  }
  if (!seenFrom) throw new InputError(`${path}:1: no FROM instruction: not a Dockerfile`);
}
