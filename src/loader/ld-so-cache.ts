/**
 * Reads glibc's `/etc/ld.so.cache` in both layouts ldconfig writes: the old `ld.so-1.7.0` table
 * (alone, or followed by the new one in "compat" files) and the new `glibc-ld.so.cache1.1` table.
 * Hand-written because no npm package reads this format; the layout follows glibc's
 * `sysdeps/generic/dl-cache.h` (see shared/notes/elf-go-image-formats.md section 4).
 */
import { InputError } from '../errors.js';

export interface LdSoCacheEntry {
  /** The name a DT_NEEDED is matched against (the library's SONAME). */
  key: string;
  /** The path ld.so opens. */
  path: string;
  flags: number;
  /** New format only: glibc-hwcaps subdirectory entries have bit 62 set. */
  hwcap: bigint;
}

export interface LdSoCache {
  format: 'old' | 'new' | 'compat';
  /** In file order (ldconfig sorts them; ld.so takes the first match). */
  entries: LdSoCacheEntry[];
  /** The extension's generator string, e.g. `ldconfig (Debian GLIBC 2.36-9+deb12u4) ...`. */
  generator: string | null;
}

const OLD_MAGIC = 'ld.so-1.7.0';
const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const OLD_ENTRY_SIZE = 12;
const NEW_HEADER_SIZE = 48;
const NEW_ENTRY_SIZE = 24;
const EXTENSION_MAGIC = 0xeaa42174;
const EXTENSION_TAG_GENERATOR = 0;
const HWCAP_GLIBC_HWCAPS = 1n << 62n;

/** Parses a cache file; `where` names it in errors (e.g. `/etc/ld.so.cache`). */
export function parseLdSoCache(bytes: Uint8Array, where: string): LdSoCache {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string, offset: number): never => {
    throw new InputError(`${where}: ${what} at offset 0x${offset.toString(16)}`);
  };
  const magicAt = (offset: number, magic: string) =>
    buf.length >= offset + magic.length &&
    buf.toString('latin1', offset, offset + magic.length) === magic;

  if (magicAt(0, NEW_MAGIC)) return parseNew(buf, 0, 'new', fail);
  if (!magicAt(0, OLD_MAGIC)) fail('not an ld.so.cache (unknown magic)', 0);
  if (buf.length < 16) fail('truncated header', 0);
  const nlibs = buf.readUInt32LE(12);
  const tableEnd = 16 + nlibs * OLD_ENTRY_SIZE;
  if (tableEnd > buf.length) fail(`table of ${nlibs} entries runs past the end`, 16);
  // Compat files put the new table after the old one, aligned to 8 bytes; ld.so then reads it.
  const newStart = (tableEnd + 7) & ~7;
  if (magicAt(newStart, NEW_MAGIC)) return parseNew(buf, newStart, 'compat', fail);
  const entries: LdSoCacheEntry[] = [];
  for (let i = 0; i < nlibs; i++) {
    const at = 16 + i * OLD_ENTRY_SIZE;
    entries.push({
      flags: buf.readInt32LE(at),
      key: cString(buf, tableEnd + buf.readUInt32LE(at + 4), at + 4, fail),
      path: cString(buf, tableEnd + buf.readUInt32LE(at + 8), at + 8, fail),
      hwcap: 0n,
    });
  }
  return { format: 'old', entries, generator: null };
}

function parseNew(
  buf: Buffer,
  start: number,
  format: 'new' | 'compat',
  fail: (what: string, offset: number) => never,
): LdSoCache {
  if (buf.length < start + NEW_HEADER_SIZE) fail('truncated header', start);
  const endianFlag = buf[start + 28] & 3;
  // 3 = big-endian: a cache written for another byte order, which ld.so would reject.
  const le = endianFlag !== 3;
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const nlibs = u32(start + 20);
  const extensionOffset = u32(start + 32);
  const tableEnd = start + NEW_HEADER_SIZE + nlibs * NEW_ENTRY_SIZE;
  if (tableEnd > buf.length) fail(`table of ${nlibs} entries runs past the end`, start + 20);
  const entries: LdSoCacheEntry[] = [];
  for (let i = 0; i < nlibs; i++) {
    const at = start + NEW_HEADER_SIZE + i * NEW_ENTRY_SIZE;
    // String offsets of the new format count from the start of its header.
    entries.push({
      flags: le ? buf.readInt32LE(at) : buf.readInt32BE(at),
      key: cString(buf, start + u32(at + 4), at + 4, fail),
      path: cString(buf, start + u32(at + 8), at + 8, fail),
      hwcap: le ? buf.readBigUInt64LE(at + 16) : buf.readBigUInt64BE(at + 16),
    });
  }
  let generator: string | null = null;
  // The extension offset and its section offsets count from the start of the file (dl-cache.h
  // `cache_extension`), unlike the string offsets above.
  const ext = extensionOffset;
  if (extensionOffset !== 0 && ext + 8 <= buf.length && u32(ext) === EXTENSION_MAGIC) {
    const count = u32(ext + 4);
    for (let i = 0; i < count && ext + 8 + (i + 1) * 16 <= buf.length; i++) {
      const section = ext + 8 + i * 16;
      if (u32(section) !== EXTENSION_TAG_GENERATOR) continue;
      const offset = u32(section + 8);
      const size = u32(section + 12);
      if (offset + size <= buf.length) generator = buf.toString('utf8', offset, offset + size);
    }
  }
  return { format, entries, generator };
}

function cString(
  buf: Buffer,
  offset: number,
  fieldAt: number,
  fail: (what: string, offset: number) => never,
): string {
  if (offset >= buf.length) fail('string offset past the end of the file', fieldAt);
  const end = buf.indexOf(0, offset);
  if (end < 0) fail('unterminated string', offset);
  return buf.toString('utf8', offset, end);
}

/**
 * The cache flags ld.so accepts for an object of this machine (glibc's `_dl_cache_check_flags`
 * in sysdeps/unix/sysv/linux/<arch>/dl-cache.h; values from sysdeps/generic/ldconfig.h).
 */
export function acceptedCacheFlags(eMachine: number, elfClass: 32 | 64, eFlags: number): number[] {
  const LIBC6 = 0x0003;
  const ELF = 0x0001;
  switch (eMachine) {
    case 62: // x86-64 / x32
      return elfClass === 64 ? [0x0300 | LIBC6] : [0x0800 | LIBC6];
    case 183: // aarch64
      return [0x0a00 | LIBC6];
    case 40: {
      // arm
      // EF_ARM_ABI_FLOAT_HARD (0x400) selects the hard-float id; plain libc6 entries also match.
      const hard = (eFlags & 0x400) !== 0;
      return [(hard ? 0x0900 : 0x0b00) | LIBC6, LIBC6];
    }
    case 21: // ppc64
      return elfClass === 64 ? [0x0500 | LIBC6] : [ELF, LIBC6];
    case 22: // s390
      return elfClass === 64 ? [0x0400 | LIBC6] : [ELF, LIBC6];
    case 243: // riscv
      // EF_RISCV_FLOAT_ABI_DOUBLE (0x4) is what Debian's riscv64 uses.
      return [((eFlags & 0x6) === 0x4 ? 0x1000 : 0x0f00) | LIBC6];
    case 8: // mips
      // n64 and NaN-2008 n64 for 64-bit objects; o32 (legacy or NaN-2008) for 32-bit ones.
      return elfClass === 64 ? [0x0700 | LIBC6, 0x0e00 | LIBC6] : [ELF, LIBC6, 0x0c00 | LIBC6];
    default:
      return [ELF, LIBC6];
  }
}

/**
 * What ld.so would take from the cache for `name`: the first non-hwcaps entry whose key is the
 * name and whose flags this object's machine accepts.
 */
export function lookupLdSoCache(cache: LdSoCache, name: string, accepted: number[]): string | null {
  for (const entry of cache.entries) {
    if (entry.key !== name || (entry.hwcap & HWCAP_GLIBC_HWCAPS) !== 0n) continue;
    if (accepted.includes(entry.flags)) return entry.path;
  }
  return null;
}
