/**
 * The ELF reader: header, program headers, section headers when present, and everything the
 * loader uses found through PT_DYNAMIC and the DT_* tags (so `strip --strip-section-headers`
 * or zeroed e_shoff changes nothing). Hand-written because no Node library reads ELF32/64 in
 * both byte orders with symbol versions, bounded reads and offset-carrying errors; it follows
 * the structure of Go's debug/elf.
 */
import type { ByteSource } from './byte-source.js';
import * as C from './constants.js';
import { ElfFormatError } from './elf-format-error.js';
import { FileReader, LazyRegion, Region, decodeText } from './reader.js';
import type { ElfFacts, ElfNote, ElfSymbol, ElfType, Linkage, VersionNeed } from './types.js';
import { readGoBuildInfo } from './go-buildinfo.js';
import { readGoFunctionNames, goPackagesFrom, goSignalsFrom } from './go-pclntab.js';
import { detectLibc } from './libc.js';

export interface ProgramHeader {
  index: number;
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface SectionHeader {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

/** The parsed structure, shared by the fact extractors (Go build info, pclntab, libc). */
export interface ElfFile {
  reader: FileReader;
  machine: number;
  class: 32 | 64;
  ptrSize: 4 | 8;
  little: boolean;
  type: number;
  programs: ProgramHeader[];
  sections: SectionHeader[];
}

/** Maps a virtual address to a file offset through the PT_LOAD that holds it in its file image. */
export function vaddrToOffset(elf: ElfFile, vaddr: number, length: number): number | null {
  for (const p of elf.programs) {
    if (p.type === C.PT_LOAD && vaddr >= p.vaddr && vaddr + length <= p.vaddr + p.filesz) {
      return p.offset + (vaddr - p.vaddr);
    }
  }
  return null;
}

/** Bytes available in the file image of the PT_LOAD holding `vaddr`, from `vaddr` on. */
function bytesAfterVaddr(elf: ElfFile, vaddr: number): number {
  for (const p of elf.programs) {
    if (p.type === C.PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) {
      return p.vaddr + p.filesz - vaddr;
    }
  }
  return 0;
}

function readHeader(source: ByteSource) {
  if (source.size < 16) {
    throw new ElfFormatError(
      0,
      'ELF header',
      `file is ${source.size} bytes, too short for an ELF identification`,
    );
  }
  const ident = source.read(0, 16);
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
    throw new ElfFormatError(0, 'ELF header', 'not an ELF file (no \\x7fELF magic)');
  }
  const klass = ident[4];
  const data = ident[5];
  if (klass !== C.ELFCLASS32 && klass !== C.ELFCLASS64) {
    throw new ElfFormatError(4, 'ELF header', `unknown EI_CLASS ${klass}`);
  }
  if (data !== C.ELFDATA2LSB && data !== C.ELFDATA2MSB) {
    throw new ElfFormatError(5, 'ELF header', `unknown EI_DATA ${data}`);
  }
  const is64 = klass === C.ELFCLASS64;
  const little = data === C.ELFDATA2LSB;
  const reader = new FileReader(source, little);
  const h = reader.region(0, is64 ? 64 : 52, 'ELF header');
  const w = is64 ? 8 : 4;
  return {
    reader,
    class: (is64 ? 64 : 32) as 32 | 64,
    little,
    osAbi: ident[7]!,
    type: h.u16(16),
    machine: h.u16(18),
    version: h.u32(20),
    entry: is64 ? h.u64big(24) : BigInt(h.u32(24)),
    phoff: h.word(24 + w, w),
    shoff: h.word(24 + 2 * w, w),
    flags: h.u32(24 + 3 * w),
    phentsize: h.u16(28 + 3 * w + 2),
    phnum: h.u16(28 + 3 * w + 4),
    shentsize: h.u16(28 + 3 * w + 6),
    shnum: h.u16(28 + 3 * w + 8),
    shstrndx: h.u16(28 + 3 * w + 10),
  };
}

type Header = ReturnType<typeof readHeader>;

/** Section 0 carries the real counts when e_phnum/e_shnum/e_shstrndx overflow. */
function readSectionZero(header: Header): { size: number; link: number; info: number } | null {
  if (header.shoff === 0) return null;
  const is64 = header.class === 64;
  const r = header.reader.region(header.shoff, is64 ? 64 : 40, 'section header');
  return is64
    ? { size: r.u64(32), link: r.u32(40), info: r.u32(44) }
    : { size: r.u32(20), link: r.u32(24), info: r.u32(28) };
}

function readPrograms(header: Header): ProgramHeader[] {
  let count = header.phnum;
  if (count === C.PN_XNUM) {
    const zero = readSectionZero(header);
    if (!zero)
      throw new ElfFormatError(0x2c, 'ELF header', 'e_phnum is PN_XNUM but there is no section 0');
    count = zero.info;
  }
  if (count === 0) return [];
  const is64 = header.class === 64;
  const minSize = is64 ? 56 : 32;
  if (header.phentsize < minSize) {
    throw new ElfFormatError(
      header.phoff,
      'program header',
      `e_phentsize ${header.phentsize} is smaller than ${minSize}`,
    );
  }
  const table = header.reader.region(
    header.phoff,
    count * header.phentsize,
    'program header table',
  );
  const programs: ProgramHeader[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * header.phentsize;
    const p: ProgramHeader = is64
      ? {
          index: i,
          type: table.u32(at),
          flags: table.u32(at + 4),
          offset: table.u64(at + 8),
          vaddr: table.u64(at + 16),
          filesz: table.u64(at + 32),
          memsz: table.u64(at + 40),
          align: table.u64(at + 48),
        }
      : {
          index: i,
          type: table.u32(at),
          offset: table.u32(at + 4),
          vaddr: table.u32(at + 8),
          filesz: table.u32(at + 16),
          memsz: table.u32(at + 20),
          flags: table.u32(at + 24),
          align: table.u32(at + 28),
        };
    const where = header.phoff + at;
    if (
      p.type === C.PT_LOAD ||
      p.type === C.PT_DYNAMIC ||
      p.type === C.PT_INTERP ||
      p.type === C.PT_NOTE
    ) {
      if (p.offset + p.filesz > header.reader.size) {
        throw new ElfFormatError(
          where,
          'program header',
          `segment ${i} (file range 0x${p.offset.toString(16)}+0x${p.filesz.toString(16)}) runs past the end of the file (0x${header.reader.size.toString(16)})`,
        );
      }
    }
    if (p.type === C.PT_LOAD && p.filesz > p.memsz) {
      throw new ElfFormatError(
        where,
        'program header',
        `segment ${i} has p_filesz larger than p_memsz`,
      );
    }
    programs.push(p);
  }
  // The spec requires PT_LOAD entries sorted by p_vaddr; two loads claiming the same addresses
  // make "which bytes are at this address" ambiguous, so the file is rejected.
  const loads = programs.filter((p) => p.type === C.PT_LOAD);
  for (let i = 1; i < loads.length; i++) {
    const prev = loads[i - 1]!;
    const cur = loads[i]!;
    if (cur.vaddr < prev.vaddr + prev.memsz) {
      throw new ElfFormatError(
        header.phoff + cur.index * header.phentsize,
        'program header',
        `PT_LOAD segment ${cur.index} (vaddr 0x${cur.vaddr.toString(16)}) overlaps or precedes segment ${prev.index} (0x${prev.vaddr.toString(16)}-0x${(prev.vaddr + prev.memsz).toString(16)})`,
      );
    }
  }
  return programs;
}

function readSections(header: Header): SectionHeader[] {
  if (header.shoff === 0) return [];
  let count = header.shnum;
  let strndx = header.shstrndx;
  if (count === 0 || strndx === 0xffff) {
    const zero = readSectionZero(header);
    if (count === 0) count = zero?.size ?? 0;
    if (strndx === 0xffff) strndx = zero?.link ?? 0;
  }
  if (count === 0) return [];
  const is64 = header.class === 64;
  const minSize = is64 ? 64 : 40;
  if (header.shentsize < minSize) {
    throw new ElfFormatError(
      header.shoff,
      'section header',
      `e_shentsize ${header.shentsize} is smaller than ${minSize}`,
    );
  }
  const table = header.reader.region(
    header.shoff,
    count * header.shentsize,
    'section header table',
  );
  const sections: SectionHeader[] = [];
  const nameOffsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * header.shentsize;
    nameOffsets.push(table.u32(at));
    const s: SectionHeader = is64
      ? {
          index: i,
          name: '',
          type: table.u32(at + 4),
          flags: table.u64(at + 8),
          addr: table.u64(at + 16),
          offset: table.u64(at + 24),
          size: table.u64(at + 32),
          link: table.u32(at + 40),
          info: table.u32(at + 44),
          addralign: table.u64(at + 48),
          entsize: table.u64(at + 56),
        }
      : {
          index: i,
          name: '',
          type: table.u32(at + 4),
          flags: table.u32(at + 8),
          addr: table.u32(at + 12),
          offset: table.u32(at + 16),
          size: table.u32(at + 20),
          link: table.u32(at + 24),
          info: table.u32(at + 28),
          addralign: table.u32(at + 32),
          entsize: table.u32(at + 36),
        };
    if (i > 0 && s.type !== C.SHT_NOBITS && s.offset + s.size > header.reader.size) {
      throw new ElfFormatError(
        header.shoff + at,
        'section header',
        `section ${i} (0x${s.offset.toString(16)}+0x${s.size.toString(16)}) runs past the end of the file`,
      );
    }
    sections.push(s);
  }
  if (strndx !== 0) {
    const strtab = sections[strndx];
    if (!strtab) {
      throw new ElfFormatError(
        0,
        'ELF header',
        `e_shstrndx ${strndx} is not a section index (${count} sections)`,
      );
    }
    const names = header.reader.region(strtab.offset, strtab.size, 'section name table');
    for (const s of sections) {
      const off = nameOffsets[s.index]!;
      if (off !== 0 || names.length > 0) s.name = off < names.length ? names.cstring(off) : '';
    }
  }
  return sections;
}

interface DynamicEntry {
  tag: number;
  value: number;
}

function readDynamic(elf: ElfFile): DynamicEntry[] | null {
  const seg = elf.programs.find((p) => p.type === C.PT_DYNAMIC);
  if (!seg) return null;
  const entSize = elf.class === 64 ? 16 : 8;
  const region = elf.reader.region(
    seg.offset,
    seg.filesz - (seg.filesz % entSize),
    'dynamic section',
  );
  const entries: DynamicEntry[] = [];
  for (let at = 0; at + entSize <= region.length; at += entSize) {
    const tag = elf.class === 64 ? region.u64(at) : region.u32(at);
    if (tag === C.DT_NULL) break;
    entries.push({ tag, value: elf.class === 64 ? region.u64(at + 8) : region.u32(at + 4) });
  }
  return entries;
}

/** A table the dynamic section points to by address: its region of the file, or an error. */
function regionAtVaddr(
  elf: ElfFile,
  vaddr: number,
  length: number,
  what: string,
  tagOffsetHint: number,
): Region {
  const offset = vaddrToOffset(elf, vaddr, length);
  if (offset === null) {
    throw new ElfFormatError(
      tagOffsetHint,
      'dynamic section',
      `${what} at address 0x${vaddr.toString(16)} (+${length} bytes) is not inside any PT_LOAD segment's file image`,
    );
  }
  return elf.reader.region(offset, length, what);
}

/** The table at `vaddr`, bounded by the end of its segment's file image, read on demand. */
function lazyAtVaddr(elf: ElfFile, vaddr: number, what: string, dynOffset: number): LazyRegion {
  const available = bytesAfterVaddr(elf, vaddr);
  const offset = vaddrToOffset(elf, vaddr, Math.min(available, 1));
  if (offset === null || available === 0) {
    throw new ElfFormatError(
      dynOffset,
      'dynamic section',
      `${what} at address 0x${vaddr.toString(16)} is not inside any PT_LOAD segment's file image`,
    );
  }
  return new LazyRegion(elf.reader, offset, available, what);
}

/** The number of dynamic symbols, from DT_HASH's nchain or by walking DT_GNU_HASH. */
function countDynsymFromHash(
  elf: ElfFile,
  dyn: Map<number, number>,
  dynOffset: number,
): number | null {
  const mips = dyn.get(C.DT_MIPS_SYMTABNO);
  if (mips !== undefined) return mips;
  const hash = dyn.get(C.DT_HASH);
  if (hash !== undefined) {
    // DT_HASH words are 32-bit everywhere except on 64-bit s390 (and Alpha), where they are 64-bit.
    const wide = elf.machine === C.EM_S390 && elf.class === 64;
    const head = regionAtVaddr(elf, hash, wide ? 16 : 8, 'DT_HASH table', dynOffset);
    return wide ? head.u64(8) : head.u32(4);
  }
  const gnu = dyn.get(C.DT_GNU_HASH);
  if (gnu === undefined) return null;
  const table = lazyAtVaddr(elf, gnu, 'DT_GNU_HASH table', dynOffset);
  const nbuckets = table.u32(0);
  const symoffset = table.u32(4);
  const bloomSize = table.u32(8);
  const bucketsAt = 16 + bloomSize * elf.ptrSize;
  if (bucketsAt + nbuckets * 4 > table.length) {
    table.fail(8, 'DT_GNU_HASH bloom/buckets run past their segment');
  }
  const buckets = elf.reader.region(table.base + bucketsAt, nbuckets * 4, 'DT_GNU_HASH buckets');
  let maxBucket = 0;
  for (let i = 0; i < nbuckets; i++) maxBucket = Math.max(maxBucket, buckets.u32(i * 4));
  if (maxBucket === 0) return symoffset;
  if (maxBucket < symoffset) {
    table.fail(bucketsAt, `bucket value ${maxBucket} below symoffset ${symoffset}`);
  }
  // Walk the chain of the highest bucket to its end (low bit set) to find the last symbol.
  const chainsAt = bucketsAt + nbuckets * 4;
  let index = maxBucket;
  for (;;) {
    const value = table.u32(chainsAt + (index - symoffset) * 4);
    if (value & 1) return index + 1;
    index++;
  }
}

/** Tags whose value is the address of a table: the next one after DT_SYMTAB bounds the symbols. */
const ADDRESS_TAGS = [
  3,
  4,
  5,
  7,
  12,
  13,
  17,
  23,
  25,
  26,
  32,
  36,
  C.DT_GNU_HASH,
  C.DT_VERSYM,
  C.DT_VERDEF,
  C.DT_VERNEED,
];

/**
 * DT_GNU_HASH covers only the symbols it hashes: undefined symbols may follow `symoffset` unhashed
 * (ppc64 ld leaves symoffset 1 with no buckets). Count on, up to the next table, while the
 * entries are plausible symbols (not all zero, a name inside DT_STRTAB, a known binding and type).
 */
function extendPastGnuHash(
  elf: ElfFile,
  dyn: Map<number, number>,
  symtab: number,
  count: number,
  dynstr: Region,
): number {
  const entSize = elf.class === 64 ? 24 : 16;
  const available = bytesAfterVaddr(elf, symtab);
  let bound = symtab + available;
  for (const tag of ADDRESS_TAGS) {
    const value = dyn.get(tag);
    if (value !== undefined && value > symtab && value < bound) bound = value;
  }
  const limit = Math.floor((bound - symtab) / entSize);
  if (limit <= count) return count;
  const table = regionAtVaddr(elf, symtab, limit * entSize, 'dynamic symbol table', 0);
  let n = count;
  for (; n < limit; n++) {
    const at = n * entSize;
    const name = table.u32(at);
    const info = elf.class === 64 ? table.u8(at + 4) : table.u8(at + 12);
    const bind = info >> 4;
    const type = info & 0xf;
    const empty = table.bytes.subarray(at, at + entSize).every((b) => b === 0);
    if (empty || name >= dynstr.length || !(bind in C.STB_NAMES) || !(type in C.STT_NAMES)) break;
  }
  return n;
}

interface VersionTables {
  /** versym index → version name, for the indices verneed and verdef define. */
  names: Map<number, { name: string; weak: boolean }>;
  needs: VersionNeed[];
  definitions: string[];
}

function readVersions(
  elf: ElfFile,
  dyn: Map<number, number>,
  dynstr: Region,
  dynOffset: number,
): VersionTables {
  const names = new Map<number, { name: string; weak: boolean }>();
  const needs: VersionNeed[] = [];
  const definitions: string[] = [];
  const verneed = dyn.get(C.DT_VERNEED);
  if (verneed !== undefined) {
    const count = dyn.get(C.DT_VERNEEDNUM) ?? 0;
    const table = lazyAtVaddr(elf, verneed, 'version needs (DT_VERNEED)', dynOffset);
    const seen = new Set<number>();
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (seen.has(at)) table.fail(at, 'Verneed chain loops back to an earlier entry');
      seen.add(at);
      const version = table.u16(at);
      if (version !== 1) table.fail(at, `Verneed version ${version}, expected 1`);
      const cnt = table.u16(at + 2);
      const file = dynstr.cstring(table.u32(at + 4));
      const need: VersionNeed = { file, versions: [] };
      let aux = at + table.u32(at + 8);
      const seenAux = new Set<number>();
      for (let j = 0; j < cnt; j++) {
        if (seenAux.has(aux)) table.fail(aux, 'Vernaux chain loops back to an earlier entry');
        seenAux.add(aux);
        const flags = table.u16(aux + 4);
        const other = table.u16(aux + 6);
        const name = dynstr.cstring(table.u32(aux + 8));
        const weak = (flags & C.VER_FLG_WEAK) !== 0;
        need.versions.push({ name, weak });
        names.set(other & 0x7fff, { name, weak });
        const next = table.u32(aux + 12);
        if (next === 0) break;
        aux = (aux + next) >>> 0;
      }
      needs.push(need);
      const next = table.u32(at + 12);
      if (next === 0) break;
      at = (at + next) >>> 0;
    }
  }
  const verdef = dyn.get(C.DT_VERDEF);
  if (verdef !== undefined) {
    const count = dyn.get(C.DT_VERDEFNUM) ?? 0;
    const table = lazyAtVaddr(elf, verdef, 'version definitions (DT_VERDEF)', dynOffset);
    const seen = new Set<number>();
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (seen.has(at)) table.fail(at, 'Verdef chain loops back to an earlier entry');
      seen.add(at);
      const version = table.u16(at);
      if (version !== 1) table.fail(at, `Verdef version ${version}, expected 1`);
      const flags = table.u16(at + 2);
      const ndx = table.u16(at + 4);
      const cnt = table.u16(at + 6);
      if (cnt > 0) {
        const name = dynstr.cstring(table.u32(at + table.u32(at + 12)));
        names.set(ndx & 0x7fff, { name, weak: false });
        if (!(flags & C.VER_FLG_BASE)) definitions.push(name);
      }
      const next = table.u32(at + 16);
      if (next === 0) break;
      at = (at + next) >>> 0;
    }
  }
  return { names, needs, definitions };
}

function readDynamicSymbols(
  elf: ElfFile,
  dyn: Map<number, number>,
  dynstr: Region,
  versions: VersionTables,
  dynOffset: number,
): { undefinedSymbols: ElfSymbol[]; definedSymbols: ElfSymbol[] } {
  const undefinedSymbols: ElfSymbol[] = [];
  const definedSymbols: ElfSymbol[] = [];
  const symtab = dyn.get(C.DT_SYMTAB);
  if (symtab === undefined) return { undefinedSymbols, definedSymbols };
  const entSize = elf.class === 64 ? 24 : 16;
  const section = elf.sections.find((s) => s.type === C.SHT_DYNSYM);
  let count = section
    ? Math.floor(section.size / entSize)
    : countDynsymFromHash(elf, dyn, dynOffset);
  if (!section && count !== null && !dyn.has(C.DT_HASH) && !dyn.has(C.DT_MIPS_SYMTABNO)) {
    count = extendPastGnuHash(elf, dyn, symtab, count, dynstr);
  }
  if (count === null) return { undefinedSymbols, definedSymbols };
  const available = bytesAfterVaddr(elf, symtab);
  if (count * entSize > available) {
    throw new ElfFormatError(
      dynOffset,
      'dynamic section',
      `${count} dynamic symbols do not fit in the segment holding DT_SYMTAB (0x${available.toString(16)} bytes)`,
    );
  }
  count = Math.max(count, 0);
  const table = regionAtVaddr(elf, symtab, count * entSize, 'dynamic symbol table', dynOffset);
  const versymAddr = dyn.get(C.DT_VERSYM);
  const versym =
    versymAddr !== undefined
      ? regionAtVaddr(elf, versymAddr, count * 2, 'DT_VERSYM table', dynOffset)
      : null;
  for (let i = 1; i < count; i++) {
    const at = i * entSize;
    const nameOff = table.u32(at);
    const info = elf.class === 64 ? table.u8(at + 4) : table.u8(at + 12);
    const shndx = elf.class === 64 ? table.u16(at + 6) : table.u16(at + 14);
    const bind = info >> 4;
    const binding = C.STB_NAMES[bind] ?? (`OTHER(${bind})` as const);
    const typeCode = info & 0xf;
    const type = C.STT_NAMES[typeCode] ?? (`OTHER(${typeCode})` as const);
    const name = dynstr.cstring(nameOff);
    let version: string | null = null;
    let hidden = false;
    if (versym) {
      const v = versym.u16(i * 2);
      hidden = (v & C.VERSYM_HIDDEN) !== 0;
      const index = v & 0x7fff;
      if (index > 1) version = versions.names.get(index)?.name ?? null;
    }
    const symbol: ElfSymbol = { name, version, hidden, binding, type };
    if (shndx === 0) undefinedSymbols.push(symbol);
    else if (binding === 'GLOBAL' || binding === 'WEAK' || binding === 'GNU_UNIQUE')
      definedSymbols.push(symbol);
  }
  return { undefinedSymbols, definedSymbols };
}

interface ParsedNote extends ElfNote {
  desc: Uint8Array;
  descOffset: number;
}

function parseNotes(elf: ElfFile): ParsedNote[] {
  // Like readelf -n: the SHT_NOTE sections when the file has section headers, else PT_NOTE.
  const blocks: { region: Region; align: number }[] = [];
  const noteSections = elf.sections.filter((s) => s.type === C.SHT_NOTE);
  if (noteSections.length > 0) {
    for (const s of noteSections) {
      const region = elf.reader.region(s.offset, s.size, 'note section');
      blocks.push({ region, align: s.addralign === 8 ? 8 : 4 });
    }
  } else {
    for (const p of elf.programs.filter((q) => q.type === C.PT_NOTE)) {
      const region = elf.reader.region(p.offset, p.filesz, 'note segment');
      blocks.push({ region, align: p.align === 8 ? 8 : 4 });
    }
  }
  const notes: ParsedNote[] = [];
  for (const { region, align } of blocks) {
    let at = 0;
    while (at + 12 <= region.length) {
      const namesz = region.u32(at);
      const descsz = region.u32(at + 4);
      const type = region.u32(at + 8);
      const nameAt = at + 12;
      // Offsets are aligned from the note's start (12-byte header + name), as readelf does.
      const descAt = at + alignUp(12 + namesz, align);
      const end = at + alignUp(descAt - at + descsz, align);
      if (descAt + descsz > region.length || nameAt + namesz > region.length) {
        region.fail(at, `note of ${namesz}+${descsz} bytes runs past the end of its note segment`);
      }
      let nameEnd = nameAt + namesz;
      while (nameEnd > nameAt && region.bytes[nameEnd - 1] === 0) nameEnd--;
      const owner = decodeText(region.bytes.subarray(nameAt, nameEnd));
      notes.push({
        owner,
        type,
        desc: region.bytes.subarray(descAt, descAt + descsz),
        descOffset: region.base + descAt,
      });
      at = end;
    }
  }
  return notes;
}

function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function elfTypeName(type: number): ElfType {
  return C.ET_NAMES[type] ?? `OTHER(${type})`;
}

/** Reads the ELF structure (headers only); the fact extractors read the rest on demand. */
export function openElf(source: ByteSource): { elf: ElfFile; header: Header } {
  const header = readHeader(source);
  const programs = readPrograms(header);
  const sections = readSections(header);
  const elf: ElfFile = {
    reader: header.reader,
    machine: header.machine,
    class: header.class,
    ptrSize: header.class === 64 ? 8 : 4,
    little: header.little,
    type: header.type,
    programs,
    sections,
  };
  return { elf, header };
}

/**
 * Every fact of one ELF file. Throws ElfFormatError (an InputError) naming the offset of the
 * first malformed structure; `path` is put in the message when given.
 */
export function parseElf(source: ByteSource, path?: string): ElfFacts {
  try {
    return parseElfFacts(source);
  } catch (error) {
    if (error instanceof ElfFormatError && path !== undefined) throw error.withPath(path);
    throw error;
  }
}

function parseElfFacts(source: ByteSource): ElfFacts {
  const { elf, header } = openElf(source);
  const names = C.machineNames(header.machine, header.class, header.little);

  const interpSeg = elf.programs.find((p) => p.type === C.PT_INTERP);
  let interpreter: string | null = null;
  if (interpSeg) {
    const region = elf.reader.region(interpSeg.offset, interpSeg.filesz, 'PT_INTERP segment');
    const end = region.bytes.indexOf(0);
    interpreter = decodeText(region.bytes.subarray(0, end < 0 ? region.length : end));
  }

  const dynSeg = elf.programs.find((p) => p.type === C.PT_DYNAMIC);
  const dynEntries = readDynamic(elf);
  const dynOffset = dynSeg?.offset ?? 0;
  const dyn = new Map<number, number>();
  for (const e of dynEntries ?? []) if (!dyn.has(e.tag)) dyn.set(e.tag, e.value);

  let needed: string[] = [];
  let soname: string | null = null;
  let rpath: string[] = [];
  let runpath: string[] = [];
  let versions: VersionTables = { names: new Map(), needs: [], definitions: [] };
  let symbols: { undefinedSymbols: ElfSymbol[]; definedSymbols: ElfSymbol[] } = {
    undefinedSymbols: [],
    definedSymbols: [],
  };
  const strtab = dyn.get(C.DT_STRTAB);
  if (dynEntries && strtab !== undefined) {
    const strsz = dyn.get(C.DT_STRSZ) ?? bytesAfterVaddr(elf, strtab);
    const dynstr = regionAtVaddr(elf, strtab, strsz, 'dynamic string table (DT_STRTAB)', dynOffset);
    const str = (tag: number) =>
      dynEntries.filter((e) => e.tag === tag).map((e) => dynstr.cstring(e.value));
    needed = str(C.DT_NEEDED);
    soname = str(C.DT_SONAME)[0] ?? null;
    rpath = str(C.DT_RPATH).flatMap((s) => s.split(':'));
    runpath = str(C.DT_RUNPATH).flatMap((s) => s.split(':'));
    versions = readVersions(elf, dyn, dynstr, dynOffset);
    symbols = readDynamicSymbols(elf, dyn, dynstr, versions, dynOffset);
  } else if (dynEntries && dynEntries.some((e) => e.tag === C.DT_NEEDED || e.tag === C.DT_SONAME)) {
    throw new ElfFormatError(
      dynOffset,
      'dynamic section',
      'names are listed but DT_STRTAB is missing',
    );
  }

  const flags = dyn.get(C.DT_FLAGS) ?? 0;
  const flags1 = dyn.get(C.DT_FLAGS_1) ?? 0;
  const hasDynamic = dynSeg !== undefined;
  const linkage = linkageOf(header.type, interpreter !== null, hasDynamic, soname, flags1);
  const bindNow = dyn.has(C.DT_BIND_NOW) || (flags & C.DF_BIND_NOW) !== 0;
  const stack = elf.programs.find((p) => p.type === C.PT_GNU_STACK);
  const hasRelro = elf.programs.some((p) => p.type === C.PT_GNU_RELRO);

  const parsedNotes = parseNotes(elf);
  let gnuAbiTagKernel: string | null = null;
  let buildId: string | null = null;
  let goBuildId: string | null = null;
  for (const note of parsedNotes) {
    if (note.owner === 'GNU' && note.type === C.NT_GNU_ABI_TAG && note.desc.length >= 16) {
      const d = new Region(note.desc, note.descOffset, elf.little, 'NT_GNU_ABI_TAG note');
      gnuAbiTagKernel = `${d.u32(4)}.${d.u32(8)}.${d.u32(12)}`;
    } else if (note.owner === 'GNU' && note.type === C.NT_GNU_BUILD_ID) {
      buildId = hex(note.desc);
    } else if (note.owner === 'Go' && note.type === C.NT_GO_BUILDID) {
      goBuildId = decodeText(note.desc);
    }
  }

  const go = readGoBuildInfo(elf);
  const goFunctions = go !== null || goBuildId !== null ? readGoFunctionNames(elf) : null;
  const goPackages = goFunctions === null ? null : goPackagesFrom(goFunctions);
  const goSignals = goFunctions === null ? null : goSignalsFrom(goFunctions);

  const base = {
    interpreter,
    needed,
    linkage,
    gnuAbiTagKernel,
    versionNeeds: versions.needs,
    go,
    goLinksCgo: goSignals?.runtimeCgo ?? null,
    isGo: go !== null || goBuildId !== null || goFunctions !== null,
  };
  const libc = detectLibc(elf, base);

  return {
    class: header.class,
    endianness: header.little ? 'little' : 'big',
    eMachine: header.machine,
    machine: names.machine,
    goarch: names.goarch,
    eFlags: header.flags,
    osAbi: header.osAbi,
    type: elfTypeName(header.type),
    entry: header.entry,
    interpreter,
    needed,
    soname,
    rpath,
    runpath,
    flags,
    flags1,
    linkage,
    staticPie: linkage === 'static-pie',
    pie: header.type === C.ET_DYN && (flags1 & C.DF_1_PIE) !== 0,
    bindNow,
    nx: stack !== undefined && (stack.flags & C.PF_X) === 0,
    relro: hasRelro ? (bindNow ? 'full' : 'partial') : 'none',
    hasDynamic,
    undefinedSymbols: symbols.undefinedSymbols,
    definedSymbols: symbols.definedSymbols,
    versionNeeds: versions.needs,
    versionDefinitions: versions.definitions,
    notes: parsedNotes.map((n) => ({ owner: n.owner, type: n.type })),
    gnuAbiTagKernel,
    buildId,
    goBuildId,
    libc: libc.flavor,
    libcEvidence: libc.evidence,
    go,
    goPackages,
    goSignals,
    size: source.size,
    segments: elf.programs.map((p) => ({
      type: C.segmentTypeName(p.type, header.machine) ?? `0x${p.type.toString(16)}`,
      offset: p.offset,
      vaddr: p.vaddr,
      filesz: p.filesz,
      memsz: p.memsz,
      flags: `${p.flags & 4 ? 'R' : ' '}${p.flags & C.PF_W ? 'W' : ' '}${p.flags & C.PF_X ? 'E' : ' '}`,
      align: p.align,
    })),
  };
}

function linkageOf(
  type: number,
  hasInterp: boolean,
  hasDynamic: boolean,
  soname: string | null,
  flags1: number,
): Linkage {
  if (type === C.ET_REL) return 'relocatable';
  if (hasInterp) return 'dynamic';
  if (type === C.ET_EXEC) return 'static';
  if (type === C.ET_DYN) {
    if (!hasDynamic) return 'other';
    if (soname === null && (flags1 & C.DF_1_PIE) !== 0) return 'static-pie';
    return 'shared-library';
  }
  return 'other';
}
