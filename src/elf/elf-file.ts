/**
 * The ELF container: identification, ELF header, program headers and (when present) section
 * headers, read with bounds checks, plus address-to-offset mapping through PT_LOAD. Hand-written
 * because no Node library reads ELF32/64 in both byte orders with bounded reads and
 * offset-carrying errors; it follows the structure of Go's debug/elf.
 */
import type { ByteSource } from './byte-source.js';
import * as C from './constants.js';
import { ElfFormatError } from './elf-format-error.js';
import { FileReader } from './reader.js';

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
export function bytesAfterVaddr(elf: ElfFile, vaddr: number): number {
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

export type ElfHeader = ReturnType<typeof readHeader>;

/** Section 0 carries the real counts when e_phnum/e_shnum/e_shstrndx overflow. */
function readSectionZero(header: ElfHeader): { size: number; link: number; info: number } | null {
  if (header.shoff === 0) return null;
  const is64 = header.class === 64;
  const r = header.reader.region(header.shoff, is64 ? 64 : 40, 'section header');
  return is64
    ? { size: r.u64(32), link: r.u32(40), info: r.u32(44) }
    : { size: r.u32(20), link: r.u32(24), info: r.u32(28) };
}

/** The program or section header table, after checking its entry size against the spec's. */
function headerTable(
  header: ElfHeader,
  what: 'program header' | 'section header',
  offset: number,
  count: number,
  entrySize: number,
  minSize: number,
) {
  if (entrySize < minSize) {
    const field = what === 'program header' ? 'e_phentsize' : 'e_shentsize';
    throw new ElfFormatError(offset, what, `${field} ${entrySize} is smaller than ${minSize}`);
  }
  return header.reader.region(offset, count * entrySize, `${what} table`);
}

function readPrograms(header: ElfHeader): ProgramHeader[] {
  let count = header.phnum;
  if (count === C.PN_XNUM) {
    const zero = readSectionZero(header);
    if (!zero)
      throw new ElfFormatError(0x2c, 'ELF header', 'e_phnum is PN_XNUM but there is no section 0');
    count = zero.info;
  }
  if (count === 0) return [];
  const is64 = header.class === 64;
  const table = headerTable(
    header,
    'program header',
    header.phoff,
    count,
    header.phentsize,
    is64 ? 56 : 32,
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

function readSections(header: ElfHeader): SectionHeader[] {
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
  const table = headerTable(
    header,
    'section header',
    header.shoff,
    count,
    header.shentsize,
    is64 ? 64 : 40,
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

/** Reads the ELF structure (headers only); the fact extractors read the rest on demand. */
export function openElf(source: ByteSource): { elf: ElfFile; header: ElfHeader } {
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
