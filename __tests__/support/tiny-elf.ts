/**
 * The smallest real x86-64 Linux program: an ELF header, two program headers (one PT_LOAD
 * R+X holding everything, PT_GNU_STACK RW) and three instructions that call exit(status).
 * Written byte by byte so tests can break exactly one field the kernel checks and run the
 * result for truth.
 */

export const TINY_VADDR = 0x400000;
const EHDR = 64;
const PHDR = 56;
const PHNUM = 2;
const CODE_AT = EHDR + PHNUM * PHDR;

/** Offsets of the fields tests mutate. */
export const FIELD = {
  e_type: 16,
  e_entry: 24,
  e_phoff: 32,
  e_phentsize: 54,
  e_phnum: 56,
  /** Program header i's field at this offset within the entry. */
  phdr: (
    i: number,
    field: 'p_type' | 'p_flags' | 'p_offset' | 'p_vaddr' | 'p_filesz' | 'p_memsz',
  ) =>
    EHDR +
    i * PHDR +
    { p_type: 0, p_flags: 4, p_offset: 8, p_vaddr: 16, p_filesz: 32, p_memsz: 40 }[field],
} as const;

/** A static x86-64 program that exits with `status` (0-255). */
export function tinyElf(status = 0): Buffer {
  // mov edi, status; mov eax, 60 (exit); syscall
  const code = Buffer.from([0xbf, status, 0, 0, 0, 0xb8, 60, 0, 0, 0, 0x0f, 0x05]);
  const size = CODE_AT + code.length;
  const b = Buffer.alloc(size);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little-endian
  b[6] = 1; // EV_CURRENT
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(62, 18); // EM_X86_64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(TINY_VADDR + CODE_AT), 24);
  b.writeBigUInt64LE(BigInt(EHDR), 32);
  b.writeUInt16LE(EHDR, 52);
  b.writeUInt16LE(PHDR, 54);
  b.writeUInt16LE(PHNUM, 56);
  b.writeUInt16LE(64, 58); // e_shentsize (no sections)
  // PT_LOAD, R+X, the whole file at TINY_VADDR.
  b.writeUInt32LE(1, EHDR);
  b.writeUInt32LE(5, EHDR + 4);
  b.writeBigUInt64LE(0n, EHDR + 8);
  b.writeBigUInt64LE(BigInt(TINY_VADDR), EHDR + 16);
  b.writeBigUInt64LE(BigInt(TINY_VADDR), EHDR + 24);
  b.writeBigUInt64LE(BigInt(size), EHDR + 32);
  b.writeBigUInt64LE(BigInt(size), EHDR + 40);
  b.writeBigUInt64LE(0x1000n, EHDR + 48);
  // PT_GNU_STACK, RW.
  b.writeUInt32LE(0x6474e551, EHDR + PHDR);
  b.writeUInt32LE(6, EHDR + PHDR + 4);
  b.writeBigUInt64LE(0x10n, EHDR + PHDR + 48);
  code.copy(b, CODE_AT);
  return b;
}
