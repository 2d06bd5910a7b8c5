/**
 * What is kept of a regular file's content: the ELF facts (through the analyzer the caller
 * gives), the first line of a `#!` script, and the whole content of the few small files the
 * checks read. Everything else is metadata only, so memory is bounded by the largest file kept.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InputError } from '../errors.js';
import { DiskFile } from './bytes.js';

import type { ElfAnalyzer, ElfRangeAnalyzer, FileRanges } from './types.js';
import { bytesSource } from '../elf/byte-source.js';
import { kernelExecVerdict, type KernelExecVerdict } from '../elf/kernel-exec.js';
import type { ElfFacts } from '../elf/types.js';
import { describeMagic } from '../exec/magic.js';

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

/**
 * How much of a body `collect` looks at first (ELF magic, `#!` line): what the kernel reads of
 * a file to find its format and `#!` line (BINPRM_BUF_SIZE, Linux ≥ 5.1).
 */
export const SHEBANG_BYTES = 256;

export interface FileFacts {
  elf: ElfFacts | null;
  elfError: string | null;
  shebang: string | null;
  scriptHead: Buffer | null;
  magic: string | null;
  kernelExec: KernelExecVerdict | null;
  content: Buffer | null;
}

export const NO_FACTS: FileFacts = Object.freeze({
  elf: null,
  elfError: null,
  shebang: null,
  scriptHead: null,
  magic: null,
  kernelExec: null,
  content: null,
}) as FileFacts;

/** Access to a file's body: its first bytes, or all of it copied into a buffer of its size. */
export interface FileBody {
  head(n: number): Promise<Buffer>;
  readInto(target: Buffer): Promise<void>;
  /** Random access, for bodies on disk; null for streams. */
  ranges: FileRanges | null;
  /** For streams: the rest of the body after `head`, in the chunks it arrives in. */
  rest?: () => AsyncIterable<Uint8Array>;
}

/**
 * Documented limits (README, "Limits"). A streamed ELF file (from a compressed layer or the
 * engine's export) up to IN_MEMORY_ELF_MAX is read into memory; a larger one is copied to a
 * temporary file and read by ranges, as a file on disk is; one over STREAMED_ELF_MAX is not
 * examined and says so. Kept files (/etc/passwd, ld.so.cache…) over KEPT_CONTENT_MAX are an
 * input error: real ones are kilobytes.
 */
export const IN_MEMORY_ELF_MAX = 64 * 1024 * 1024;
export const STREAMED_ELF_MAX = 2 * 1024 * 1024 * 1024;
export const KEPT_CONTENT_MAX = 16 * 1024 * 1024;

/** The ELF analyzers an image is opened with. */
export interface ElfAnalyzers {
  analyzeElf?: ElfAnalyzer;
  analyzeElfRanges?: ElfRangeAnalyzer;
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

/** What a non-ELF file's first bytes tell: its `#!` line (and the bytes the kernel parses), or its kind. */
function scriptFacts(head: Buffer): Pick<FileFacts, 'shebang' | 'scriptHead' | 'magic'> {
  const shebang = shebangLine(head);
  if (shebang !== null) return { shebang, scriptHead: Buffer.from(head), magic: null };
  return { shebang: null, scriptHead: null, magic: describeMagic(head) };
}

/**
 * Collects the facts of files, one at a time. ELF files are read into one reused buffer (the
 * analyzer keeps facts, not bytes), so memory stays at the largest ELF file however many pass.
 */
export class FactCollector {
  private scratch = Buffer.alloc(0);

  private readonly analyzeElf: ElfAnalyzer | undefined;
  private readonly analyzeElfRanges: ElfRangeAnalyzer | undefined;

  constructor(analyzers: ElfAnalyzers) {
    this.analyzeElf = analyzers.analyzeElf;
    this.analyzeElfRanges = analyzers.analyzeElfRanges;
  }

  private analyze(
    run: () => ElfFacts,
    source: FileRanges,
  ): Pick<FileFacts, 'elf' | 'elfError' | 'kernelExec'> {
    const kernelExec = kernelExecVerdict(source);
    try {
      return { elf: run(), elfError: null, kernelExec };
    } catch (err) {
      return { elf: null, elfError: err instanceof Error ? err.message : String(err), kernelExec };
    }
  }

  async collect(path: string, size: number, body: FileBody): Promise<FileFacts> {
    if (size === 0) return NO_FACTS;
    if (isKeptContent(path)) {
      if (size > KEPT_CONTENT_MAX) {
        throw new InputError(
          `${path} is ${size} bytes; files the checks read whole are limited to ${KEPT_CONTENT_MAX} bytes`,
        );
      }
      const content = Buffer.alloc(size);
      await body.readInto(content);
      const head = content.subarray(0, SHEBANG_BYTES);
      const analyzeElf = this.analyzeElf;
      const elf =
        isElfMagic(head) && analyzeElf
          ? this.analyze(() => analyzeElf(content, path), bytesSource(content))
          : null;
      return {
        ...NO_FACTS,
        ...elf,
        ...(elf ? {} : scriptFacts(head)),
        content,
      };
    }
    const head = await body.head(Math.min(size, SHEBANG_BYTES));
    if (isElfMagic(head)) {
      const { analyzeElf, analyzeElfRanges } = this;
      const ranges = body.ranges;
      if (ranges && analyzeElfRanges) {
        return { ...NO_FACTS, ...this.analyze(() => analyzeElfRanges(ranges, path), ranges) };
      }
      if (size > IN_MEMORY_ELF_MAX && body.rest && analyzeElfRanges) {
        if (size > STREAMED_ELF_MAX) {
          return {
            ...NO_FACTS,
            elfError: `${size} bytes: larger than ${STREAMED_ELF_MAX} bytes, the largest ELF file examined in a compressed or streamed layer`,
          };
        }
        return {
          ...NO_FACTS,
          ...(await this.analyzeSpilled(path, head, body.rest(), analyzeElfRanges)),
        };
      }
      if (!analyzeElf) return NO_FACTS;
      if (this.scratch.length < size) {
        // Grown to the largest ELF file so far (rounded to 1 MiB): the old one becomes garbage.
        this.scratch = Buffer.allocUnsafe(Math.ceil(size / 2 ** 20) * 2 ** 20);
      }
      const bytes = this.scratch.subarray(0, size);
      await body.readInto(bytes);
      return { ...NO_FACTS, ...this.analyze(() => analyzeElf(bytes, path), bytesSource(bytes)) };
    }
    return { ...NO_FACTS, ...scriptFacts(head) };
  }

  /** Copies a streamed body to a temporary file, reads its facts by ranges, removes the file. */
  private async analyzeSpilled(
    path: string,
    head: Buffer,
    rest: AsyncIterable<Uint8Array>,
    analyzeElfRanges: ElfRangeAnalyzer,
  ): Promise<Pick<FileFacts, 'elf' | 'elfError' | 'kernelExec'>> {
    const dir = mkdtempSync(join(tmpdir(), 'exit139-guard-elf-'));
    try {
      const spill = join(dir, 'body');
      const fd = openSync(spill, 'wx', 0o600);
      try {
        writeSync(fd, head);
        for await (const chunk of rest) writeSync(fd, chunk);
      } finally {
        closeSync(fd);
      }
      const file = new DiskFile(spill);
      try {
        const ranges = {
          size: file.size,
          read: (offset: number, length: number) => file.readAt(offset, length),
        };
        return this.analyze(() => analyzeElfRanges(ranges, path), ranges);
      } finally {
        file.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
