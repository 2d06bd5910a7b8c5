/**
 * Everything the dynamic loader reads, found through PT_DYNAMIC and the DT_* tags (never through
 * section headers, which `strip --strip-section-headers` removes): DT_NEEDED, SONAME,
 * RPATH/RUNPATH, flags, the dynamic symbols (counted by DT_HASH or DT_GNU_HASH when there is no
 * section header to say), and symbol versions from DT_VERSYM, DT_VERNEED and DT_VERDEF.
 */
import * as C from './constants.js';
import { ElfFormatError } from './elf-format-error.js';
import type { ElfFile } from './elf-file.js';
import { bytesAfterVaddr, vaddrToOffset } from './elf-file.js';
import { LazyRegion, Region } from './reader.js';
import type { ElfSymbol, VersionNeed } from './types.js';

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

export interface VersionTables {
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

export interface DynamicFacts {
  hasDynamic: boolean;
  needed: string[];
  soname: string | null;
  rpath: string[];
  runpath: string[];
  flags: number;
  flags1: number;
  bindNow: boolean;
  versions: VersionTables;
  undefinedSymbols: ElfSymbol[];
  definedSymbols: ElfSymbol[];
}

/** What PT_DYNAMIC and the tables its DT_* entries point to say; empty without PT_DYNAMIC. */
export function readDynamicFacts(elf: ElfFile): DynamicFacts {
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
  return {
    hasDynamic: dynSeg !== undefined,
    needed,
    soname,
    rpath,
    runpath,
    flags,
    flags1: dyn.get(C.DT_FLAGS_1) ?? 0,
    bindNow: dyn.has(C.DT_BIND_NOW) || (flags & C.DF_BIND_NOW) !== 0,
    versions,
    ...symbols,
  };
}
