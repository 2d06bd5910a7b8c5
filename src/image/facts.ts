/**
 * What is kept of a regular file's content: the ELF facts (through the analyzer the caller
 * gives), the first line of a `#!` script, and the whole content of the few small files the
 * checks read. Everything else is metadata only, so memory is bounded by the largest file kept.
 */
import { constants } from 'node:buffer';

import type { ElfAnalyzer } from './types.js';
import type { ElfFacts } from '../elf/types.js';

/** Files whose content is kept (`*` matches within one path component). */
export const KEPT_CONTENT_PATTERNS: readonly string[] = [
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d/*',
  '/etc/ld-musl-*.path',
  '/etc/os-release',
  '/usr/lib/os-release',
];

const KEPT_CONTENT_RE = new RegExp(
  '^(?:' +
    KEPT_CONTENT_PATTERNS.map((glob) =>
      glob
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    ).join('|') +
    ')$',
);

export function isKeptContent(path: string): boolean {
  return KEPT_CONTENT_RE.test(path);
}

/** The kernel reads this many bytes of a file to find a `#!` line (BINPRM_BUF_SIZE, Linux ≥ 5.1). */
const SHEBANG_BYTES = 256;

export interface FileFacts {
  elf: ElfFacts | null;
  elfError: string | null;
  shebang: string | null;
  content: Buffer | null;
}

export const NO_FACTS: FileFacts = Object.freeze({
  elf: null,
  elfError: null,
  shebang: null,
  content: null,
}) as FileFacts;

/** Access to a file's body: its first bytes, or all of it. */
export interface FileBody {
  head(n: number): Promise<Buffer>;
  all(): Promise<Buffer>;
}

function isElfMagic(head: Buffer): boolean {
  return (
    head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46
  );
}

function shebangLine(head: Buffer): string | null {
  if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return null;
  const newline = head.indexOf(0x0a);
  return head.toString('utf8', 2, newline === -1 ? head.length : newline);
}

function analyze(
  bytes: Buffer,
  path: string,
  analyzeElf: ElfAnalyzer,
): Pick<FileFacts, 'elf' | 'elfError'> {
  try {
    return { elf: analyzeElf(bytes, path), elfError: null };
  } catch (err) {
    return { elf: null, elfError: err instanceof Error ? err.message : String(err) };
  }
}

export async function collectFacts(
  path: string,
  size: number,
  body: FileBody,
  analyzeElf: ElfAnalyzer | undefined,
): Promise<FileFacts> {
  if (size === 0) return NO_FACTS;
  if (isKeptContent(path)) {
    const content = await body.all();
    const head = content.subarray(0, SHEBANG_BYTES);
    const elf = isElfMagic(head) && analyzeElf ? analyze(content, path, analyzeElf) : null;
    return {
      elf: elf?.elf ?? null,
      elfError: elf?.elfError ?? null,
      shebang: shebangLine(head),
      content,
    };
  }
  const head = await body.head(Math.min(size, SHEBANG_BYTES));
  if (isElfMagic(head)) {
    if (!analyzeElf) return NO_FACTS;
    if (size > constants.MAX_LENGTH) {
      return { ...NO_FACTS, elfError: `${size} bytes: too large to analyse in memory` };
    }
    return { ...analyze(await body.all(), path, analyzeElf), shebang: null, content: null };
  }
  const shebang = shebangLine(head);
  return shebang === null ? NO_FACTS : { ...NO_FACTS, shebang };
}
