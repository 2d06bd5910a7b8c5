/**
 * The Go function names linked into a binary, from pclntab: the function-name table of Go 1.16+
 * (which also names inlined functions), or for Go 1.2–1.15 the name of each function in the
 * function table; and the packages and run-time needs they reveal. pclntab survives `-ldflags "-s -w"`; when
 * section headers are gone it is found by scanning the non-executable PT_LOADs for its header,
 * validated field by field. Hand-written: no Node library reads pclntab.
 *
 * A Go 1.16+ name table holds hundreds of thousands of names; the signals need only a few, so
 * they are looked up in the raw NUL-separated bytes, and names are decoded into strings only
 * when the packages are asked for (`inspect`).
 */
import * as C from './constants.js';
import type { ElfFile, ProgramHeader } from './elf-file.js';
import { ElfFormatError } from './elf-format-error.js';
import { LazyRegion } from './reader.js';
import type { GoSignals } from './types.js';

/** pcHeader magics: Go 1.2–1.15, 1.16–1.17, 1.18–1.19, 1.20+. */
const MAGIC_12 = 0xfffffffb;
const MAGIC_116 = 0xfffffffa;
const MAGIC_118 = 0xfffffff0;
const MAGIC_120 = 0xfffffff1;
const SCAN_CHUNK = 1 << 20;

/** The function names of one pclntab: exact names and prefixes looked up, or all listed. */
export interface GoNameTable {
  has(name: string): boolean;
  hasPrefix(prefix: string): boolean;
  names(): string[];
}

/** A table of names already decoded (Go 1.2–1.15, or names from elsewhere). */
export function goNameList(names: string[]): GoNameTable {
  let set: Set<string> | undefined;
  return {
    has: (name) => (set ??= new Set(names)).has(name),
    hasPrefix: (prefix) => names.some((n) => n.startsWith(prefix)),
    names: () => names,
  };
}

/**
 * Go 1.16+ funcnametab: NUL-terminated names back to back. `bytes` ends with a NUL (an
 * unterminated tail is not a name) and holds at least one non-empty name. A name is found
 * where it starts the table or follows a NUL.
 */
function rawNameTable(bytes: Buffer): GoNameTable {
  const encode = (text: string) => Buffer.from(text, 'utf8');
  const startsWith = (needle: Buffer) =>
    bytes.length >= needle.length &&
    bytes.compare(needle, 0, needle.length, 0, needle.length) === 0;
  const findAfterNul = (needle: Buffer) =>
    bytes.indexOf(Buffer.concat([Buffer.of(0), needle])) >= 0;
  return {
    has(name) {
      const needle = Buffer.concat([encode(name), Buffer.of(0)]);
      return startsWith(needle) || findAfterNul(needle);
    },
    hasPrefix(prefix) {
      const needle = encode(prefix);
      if (needle.length === 0) return true;
      return startsWith(needle) || findAfterNul(needle);
    },
    names() {
      const names: string[] = [];
      const decoder = new TextDecoder();
      let start = 0;
      for (;;) {
        const end = bytes.indexOf(0, start);
        if (end < 0) break;
        if (end > start) names.push(decoder.decode(bytes.subarray(start, end)));
        start = end + 1;
      }
      return names;
    },
  };
}

function magicBytes(magic: number, little: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, magic, little);
  return b;
}

/**
 * Validates a pcHeader at file offset `offset` (with `limit` bytes of its segment or section
 * after it) and returns the function names, or null when the bytes there are not a plausible
 * header. Reads the header first and the name table only once the header checks out.
 */
function namesAt(elf: ElfFile, offset: number, limit: number): GoNameTable | null {
  const ptrSize = elf.ptrSize;
  const headerSize = 8 + 8 * ptrSize;
  if (headerSize > limit) return null;
  const h = elf.reader.region(offset, headerSize, 'pclntab header');
  const magic = h.u32(0);
  if (magic !== MAGIC_12 && magic !== MAGIC_116 && magic !== MAGIC_118 && magic !== MAGIC_120) {
    return null;
  }
  if (h.u8(4) !== 0 || h.u8(5) !== 0) return null;
  const quantum = h.u8(6);
  if (quantum !== 1 && quantum !== 2 && quantum !== 4) return null;
  if (h.u8(7) !== ptrSize) return null;
  if (magic === MAGIC_12) return namesFromFunctab(elf, offset, limit);
  const word = (i: number) => h.word(8 + i * ptrSize, ptrSize);
  const nfunc = word(0);
  const nameIndex = magic === MAGIC_116 ? 2 : 3;
  const funcnameOff = word(nameIndex);
  const cuOff = word(nameIndex + 1);
  if (nfunc === 0 || funcnameOff < headerSize || cuOff < funcnameOff || cuOff > limit) return null;
  const table = elf.reader.region(
    offset + funcnameOff,
    cuOff - funcnameOff,
    'pclntab function-name table',
  ).bytes;
  // Names end at a NUL: drop an unterminated tail; a table of empty names names nothing.
  const terminated = table.lastIndexOf(0) + 1;
  let anyName = false;
  for (let i = 0; i < terminated; i++) {
    if (table[i] !== 0) {
      anyName = true;
      break;
    }
  }
  if (!anyName) return null;
  return rawNameTable(Buffer.from(table.buffer, table.byteOffset, terminated));
}

/**
 * Go 1.2–1.15: `nfunctab` then pairs {entry PC, _func offset}; each _func starts with its entry
 * PC and the offset of its name, both relative to the table. A table that does not hold
 * together (PCs out of order, offsets outside it) is not pclntab: null.
 */
function namesFromFunctab(elf: ElfFile, offset: number, limit: number): GoNameTable | null {
  const ptrSize = elf.ptrSize;
  const table = new LazyRegion(elf.reader, offset, limit, 'pclntab (Go 1.2-1.15)');
  try {
    const nfunc = table.word(8, ptrSize);
    const functab = 8 + ptrSize;
    if (nfunc === 0 || functab + (2 * nfunc + 1) * ptrSize > limit) return null;
    const names: string[] = [];
    let previousPc = 0;
    for (let i = 0; i < nfunc; i++) {
      const pc = table.word(functab + 2 * i * ptrSize, ptrSize);
      const funcOff = table.word(functab + (2 * i + 1) * ptrSize, ptrSize);
      if (pc < previousPc || table.word(funcOff, ptrSize) !== pc) return null;
      previousPc = pc;
      const nameOff = table.i32(funcOff + ptrSize);
      if (nameOff <= 0) return null;
      names.push(table.cstring(nameOff));
    }
    return goNameList(names);
  } catch (error) {
    if (error instanceof ElfFormatError) return null;
    throw error;
  }
}

/** Function names from pclntab, or null when no Go 1.2+ pclntab is found. */
export function readGoFunctionNames(elf: ElfFile): GoNameTable | null {
  const section = elf.sections.find(
    (s) => s.name === '.gopclntab' || s.name === '.data.rel.ro.gopclntab',
  );
  if (section && section.type !== C.SHT_NOBITS) {
    return namesAt(elf, section.offset, section.size);
  }
  // The external linker and PIE builds put pclntab in .data.rel.ro, inside PT_GNU_RELRO: scan
  // the segment holding RELRO first, then the other non-executable ones in file order.
  const relro = elf.programs.find((p) => p.type === C.PT_GNU_RELRO);
  const holdsRelro = (p: ProgramHeader) =>
    relro !== undefined && relro.vaddr >= p.vaddr && relro.vaddr < p.vaddr + p.memsz;
  const candidates = elf.programs
    .filter((p) => p.type === C.PT_LOAD && (p.flags & C.PF_X) === 0)
    .sort((a, b) => Number(holdsRelro(b)) - Number(holdsRelro(a)));
  for (const seg of candidates) {
    const found = scanSegment(elf, seg.offset, seg.filesz);
    if (found) return found;
  }
  return null;
}

function scanSegment(elf: ElfFile, offset: number, size: number): GoNameTable | null {
  const magics = [MAGIC_116, MAGIC_118, MAGIC_120, MAGIC_12].map((m) => magicBytes(m, elf.little));
  for (let start = 0; start < size; start += SCAN_CHUNK) {
    const chunk = elf.reader.region(
      offset + start,
      Math.min(SCAN_CHUNK + 4, size - start),
      'read-only PT_LOAD segment',
    );
    const buf = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
    for (const magic of magics) {
      let at = 0;
      for (;;) {
        const found = buf.indexOf(magic, at);
        if (found < 0 || found >= SCAN_CHUNK) break;
        if (found % 4 === 0) {
          // The whole table must lie in the rest of the segment.
          const names = namesAt(elf, offset + start + found, size - start - found);
          if (names) return names;
        }
        at = found + 1;
      }
    }
  }
  return null;
}

/** The package of a function name: the prefix up to the first `.` after the last `/`. */
export function goPackageOf(name: string): string | null {
  if (
    name.startsWith('type:') ||
    name.startsWith('type.') ||
    name.startsWith('go:') ||
    name.startsWith('go.')
  )
    return null;
  const cut = name.search(/[[(]/);
  const head = cut < 0 ? name : name.slice(0, cut);
  const slash = head.lastIndexOf('/');
  const dot = head.indexOf('.', slash + 1);
  if (dot <= 0) return null;
  return head.slice(0, dot);
}

export function goPackagesFrom(names: string[]): string[] {
  const packages = new Set<string>();
  for (const name of names) {
    const p = goPackageOf(name);
    if (p) packages.add(p);
  }
  return [...packages].sort();
}

export function goSignalsFrom(names: string[]): GoSignals {
  return goSignalsIn(goNameList(names));
}

export function goSignalsIn(table: GoNameTable): GoSignals {
  return {
    runtimeCgo: table.has('_cgo_panic') || table.has('_cgo_topofstack'),
    cgoResolver:
      table.has('net.cgoLookupHost') ||
      table.hasPrefix('net._C2func_') ||
      table.hasPrefix('net._Cfunc_'),
    cgoUser: table.hasPrefix('os/user._Cfunc_') || table.hasPrefix('os/user._C2func_'),
    osUser: table.hasPrefix('os/user.'),
    x509SystemRoots: table.has('crypto/x509.loadSystemRoots'),
    // Only the exported entry: time.loadLocation is also reached by the TZ handling of every
    // program that uses time, and a missing zone there silently falls back to UTC.
    timeLoadLocation: table.has('time.LoadLocation'),
    embeddedTzdata: table.has('time/tzdata.loadFromEmbeddedTZData'),
  };
}
