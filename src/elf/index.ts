/** The ELF fact engine: `parseElf` over any ByteSource, `analyzeElf` for bytes in memory. */
import type { ElfAnalyzer } from '../image/types.js';
import { bytesSource, fileDescriptorSource } from './byte-source.js';
import { parseElf, type ParseElfOptions } from './parse.js';
import { closeSync, openSync } from 'node:fs';
import type { ElfFacts } from './types.js';

export type { ByteSource } from './byte-source.js';
export { bytesSource, fileDescriptorSource } from './byte-source.js';
export { ElfFormatError } from './elf-format-error.js';
export { parseElf, type ParseElfOptions } from './parse.js';
export { formatGoBuildInfo, formatGoSetting } from './go-buildinfo.js';

/** Facts of an ELF file held in memory (the image engine calls this while streaming). */
export const analyzeElf: ElfAnalyzer = (bytes, path) => parseElf(bytesSource(bytes), path);

/** Facts of an ELF file on disk, reading only the ranges needed. */
export function parseElfFile(path: string, options?: ParseElfOptions): ElfFacts {
  const fd = openSync(path, 'r');
  try {
    return parseElf(fileDescriptorSource(fd), path, options);
  } finally {
    closeSync(fd);
  }
}
