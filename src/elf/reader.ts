/**
 * Bounds-checked, endian-aware reads over a ByteSource. Every read names the structure it is
 * reading, so a short or corrupt file fails with an ElfFormatError at the right offset.
 */
import type { ByteSource } from './byte-source.js';
import { ElfFormatError } from './elf-format-error.js';

/** A range of the file, read once, with typed accessors at positions relative to its start. */
export class Region {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    /** File offset of bytes[0]. */
    readonly base: number,
    readonly little: boolean,
    readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(pos: number, detail: string): never {
    throw new ElfFormatError(this.base + pos, this.what, detail);
  }

  private need(pos: number, size: number): void {
    if (pos < 0 || pos + size > this.bytes.length) {
      this.fail(
        pos,
        `${size}-byte field runs past the end of the ${this.what} (${this.bytes.length} bytes)`,
      );
    }
  }

  u8(pos: number): number {
    this.need(pos, 1);
    return this.bytes[pos]!;
  }
  u16(pos: number): number {
    this.need(pos, 2);
    return this.view.getUint16(pos, this.little);
  }
  u32(pos: number): number {
    this.need(pos, 4);
    return this.view.getUint32(pos, this.little);
  }
  i32(pos: number): number {
    this.need(pos, 4);
    return this.view.getInt32(pos, this.little);
  }
  /** A 64-bit value as a number; values above 2^53 lose precision but then fail every bounds check. */
  u64(pos: number): number {
    this.need(pos, 8);
    const lo = this.view.getUint32(pos + (this.little ? 0 : 4), this.little);
    const hi = this.view.getUint32(pos + (this.little ? 4 : 0), this.little);
    return hi * 0x100000000 + lo;
  }
  u64big(pos: number): bigint {
    this.need(pos, 8);
    return this.view.getBigUint64(pos, this.little);
  }
  /** A target word: 4 bytes in ELF32, 8 in ELF64. */
  word(pos: number, size: 4 | 8): number {
    return size === 4 ? this.u32(pos) : this.u64(pos);
  }
  /** A NUL-terminated string starting at `pos`; the terminator must be inside the region. */
  cstring(pos: number): string {
    if (pos < 0 || pos >= this.bytes.length) {
      this.fail(
        pos,
        `string index ${pos} is outside the ${this.what} (${this.bytes.length} bytes)`,
      );
    }
    const end = this.bytes.indexOf(0, pos);
    if (end < 0) this.fail(pos, 'string is not NUL-terminated');
    return decodeText(this.bytes.subarray(pos, end));
  }
}

const utf8 = new TextDecoder('utf-8');
/** Text as found in the file: UTF-8, with invalid bytes replaced (names in ELF are bytes). */
export function decodeText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Reads checked ranges of a source with one class and byte order. */
export class FileReader {
  constructor(
    readonly source: ByteSource,
    readonly little: boolean,
  ) {}

  get size(): number {
    return this.source.size;
  }

  /** The range [offset, offset+length), or an ElfFormatError if any of it lies outside the file. */
  region(offset: number, length: number, what: string): Region {
    if (!Number.isFinite(offset) || !Number.isFinite(length) || offset < 0 || length < 0) {
      throw new ElfFormatError(
        Math.max(0, offset || 0),
        what,
        `invalid range (offset ${offset}, size ${length})`,
      );
    }
    if (offset + length > this.source.size) {
      throw new ElfFormatError(
        offset,
        what,
        `${length} bytes needed but the file ends at 0x${this.source.size.toString(16)}`,
      );
    }
    const bytes = this.source.read(offset, length);
    if (bytes.length !== length) {
      throw new ElfFormatError(offset, what, `short read (${bytes.length} of ${length} bytes)`);
    }
    return new Region(bytes, offset, this.little, what);
  }
}

const PAGE = 4096;

/**
 * A range of the file whose end is only bounded (e.g. "the rest of this segment"), read a page
 * at a time on demand: version chains and hash chains are walked without reading the megabytes
 * that may follow them.
 */
export class LazyRegion {
  private readonly pages = new Map<number, Region>();
  constructor(
    private readonly reader: FileReader,
    readonly base: number,
    readonly length: number,
    readonly what: string,
  ) {}

  fail(pos: number, detail: string): never {
    throw new ElfFormatError(this.base + pos, this.what, detail);
  }

  private field(pos: number, size: number): { region: Region; at: number } {
    if (pos < 0 || pos + size > this.length) {
      this.fail(
        pos,
        `${size}-byte field runs past the end of the ${this.what} (${this.length} bytes)`,
      );
    }
    const page = Math.floor(pos / PAGE);
    if (Math.floor((pos + size - 1) / PAGE) !== page) {
      return { region: this.reader.region(this.base + pos, size, this.what), at: 0 };
    }
    let region = this.pages.get(page);
    if (!region) {
      const start = page * PAGE;
      region = this.reader.region(
        this.base + start,
        Math.min(PAGE, this.length - start),
        this.what,
      );
      this.pages.set(page, region);
    }
    return { region, at: pos - page * PAGE };
  }

  u16(pos: number): number {
    const { region, at } = this.field(pos, 2);
    return region.u16(at);
  }
  u32(pos: number): number {
    const { region, at } = this.field(pos, 4);
    return region.u32(at);
  }
  i32(pos: number): number {
    const { region, at } = this.field(pos, 4);
    return region.i32(at);
  }
  word(pos: number, size: 4 | 8): number {
    const { region, at } = this.field(pos, size);
    return region.word(at, size);
  }
  /** A NUL-terminated string of at most `max` bytes starting at `pos`. */
  cstring(pos: number, max = 4096): string {
    const parts: Uint8Array[] = [];
    let at = pos;
    while (at < pos + max) {
      const { region, at: inPage } = this.field(at, 1);
      const end = region.bytes.indexOf(0, inPage);
      if (end >= 0) {
        parts.push(region.bytes.subarray(inPage, end));
        return decodeText(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      }
      parts.push(region.bytes.subarray(inPage));
      at += region.length - inPage;
    }
    return this.fail(pos, `string longer than ${max} bytes`);
  }
}
