/**
 * ELF notes, read like `readelf -n`: from the SHT_NOTE sections when section headers exist,
 * else from PT_NOTE segments; each note aligned as its section or segment says (4 or 8).
 */
import * as C from './constants.js';
import type { ElfFile } from './elf-file.js';
import { decodeText, Region } from './reader.js';
import type { ElfNote } from './types.js';

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

export interface NoteFacts {
  notes: ElfNote[];
  gnuAbiTagKernel: string | null;
  /** GNU_PROPERTY_X86_ISA_1_NEEDED of the NT_GNU_PROPERTY_TYPE_0 note (a bit per level), or null. */
  x86IsaNeeded: number | null;
  buildId: string | null;
  goBuildId: string | null;
}

/** The notes, and the three the checks use: GNU ABI tag, GNU build id, Go build id. */
export function readNoteFacts(elf: ElfFile): NoteFacts {
  const parsedNotes = parseNotes(elf);
  let gnuAbiTagKernel: string | null = null;
  let buildId: string | null = null;
  let goBuildId: string | null = null;
  let x86IsaNeeded: number | null = null;
  for (const note of parsedNotes) {
    if (note.owner === 'GNU' && note.type === C.NT_GNU_ABI_TAG && note.desc.length >= 16) {
      const d = new Region(note.desc, note.descOffset, elf.little, 'NT_GNU_ABI_TAG note');
      gnuAbiTagKernel = `${d.u32(4)}.${d.u32(8)}.${d.u32(12)}`;
    } else if (note.owner === 'GNU' && note.type === C.NT_GNU_BUILD_ID) {
      buildId = hex(note.desc);
    } else if (note.owner === 'Go' && note.type === C.NT_GO_BUILDID) {
      goBuildId = decodeText(note.desc);
    } else if (note.owner === 'GNU' && note.type === C.NT_GNU_PROPERTY_TYPE_0) {
      x86IsaNeeded ??= readX86IsaNeeded(elf, note);
    }
  }
  return {
    notes: parsedNotes.map((n) => ({ owner: n.owner, type: n.type })),
    gnuAbiTagKernel,
    x86IsaNeeded,
    buildId,
    goBuildId,
  };
}

/**
 * The properties of a GNU property note are (pr_type, pr_datasz, data) entries, each padded to
 * the class's word size (the x86-64 psABI, "Program Property"); X86_ISA_1_NEEDED is 4 bytes.
 */
function readX86IsaNeeded(elf: ElfFile, note: ParsedNote): number | null {
  const d = new Region(note.desc, note.descOffset, elf.little, 'NT_GNU_PROPERTY_TYPE_0 note');
  const word = elf.class === 64 ? 8 : 4;
  let at = 0;
  while (at + 8 <= d.length) {
    const type = d.u32(at);
    const size = d.u32(at + 4);
    if (at + 8 + size > d.length) return null;
    if (type === C.GNU_PROPERTY_X86_ISA_1_NEEDED && size === 4) return d.u32(at + 8);
    at += 8 + alignUp(size, word);
  }
  return null;
}
