/**
 * A tar reader that works on both kinds of input the image sources have: files on disk, where it
 * reads the 512-byte headers at their offsets and moves past bodies it does not need without
 * reading them, and streams (the engine's export, decompressed layers). tar-stream reads every
 * body byte and cannot seek, and its errors do not say which entry or offset was wrong; this
 * reader does both, following the formats as Go's archive/tar (what Docker applies layers with)
 * reads them: ustar, GNU (`L`/`K` long names, base-256 numbers) and PAX (`x` records; `g` global
 * headers are ignored, as Docker ignores them).
 */
import { InputError } from '../errors.js';
import type { ByteInput } from './bytes.js';

const BLOCK = 512;
/** Go's archive/tar refuses PAX and GNU long-name bodies above 1 MiB. */
const MAX_META_SIZE = 1024 * 1024;

export type TarType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkName: string;
  devMajor: number;
  devMinor: number;
  /** Offset of the (first) header block of this entry in its input. */
  headerOffset: number;
  /** Offset of the body in its input. */
  dataOffset: number;
}

/** One entry; its body may be read (from the start) with `readBody` before asking for the next. */
export interface TarEntry {
  header: TarHeader;
  input: ByteInput;
  /** Reads `n` more body bytes (fewer at the end of the body). */
  readBody(n: number): Promise<Buffer>;
  /** The rest of the body as chunks. */
  bodyChunks(): AsyncGenerator<Buffer>;
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('utf8');
}

function parseNumber(block: Buffer, start: number, length: number, what: string): number {
  const field = block.subarray(start, start + length);
  if (field[0] & 0x80) {
    // GNU base-256: big-endian two's complement, first byte's top bit is the marker.
    if (field[0] === 0xff) throw new Error(`negative ${what}`);
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + field[i];
      if (value > Number.MAX_SAFE_INTEGER) throw new Error(`${what} too large`);
    }
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`bad ${what} field '${text}'`);
  return parseInt(text, 8);
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function checksumMatches(block: Buffer): boolean {
  const stored = parseNumber(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** True when `block` is a tar header with a valid checksum (used to recognise tar files). */
export function looksLikeTar(block: Buffer): boolean {
  if (block.length < BLOCK || isZeroBlock(block)) return false;
  try {
    return checksumMatches(block);
  } catch {
    return false;
  }
}

/** PAX records: `"%d %s=%s\n"`, the length counting the whole record. */
function parsePax(body: Buffer, where: string): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(body.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= 0 || at + length > body.length) {
      throw new InputError(`${where}: malformed PAX record at byte ${at}`);
    }
    const record = body.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq === -1) throw new InputError(`${where}: malformed PAX record at byte ${at}`);
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

const TYPES: Record<string, TarType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

/**
 * Walks the entries of a tar. Ends at two zero blocks or, as Go's reader does, at a clean end of
 * input between entries; input that ends inside a header or a body is an InputError naming the
 * entry and its offset.
 */
export async function* walkTar(input: ByteInput): AsyncGenerator<TarEntry> {
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Map<string, string> | null = null;

  const readExactly = async (n: number, what: string, offset: number): Promise<Buffer> => {
    const buf = await input.read(n);
    if (buf.length < n) {
      throw new InputError(
        `${input.label}: truncated tar: ${what} at offset ${offset} is cut short`,
      );
    }
    return buf;
  };

  for (;;) {
    const headerOffset = input.position;
    const block = await input.read(BLOCK);
    if (block.length === 0) return;
    if (block.length < BLOCK) {
      throw new InputError(
        `${input.label}: truncated tar: the header at offset ${headerOffset} is cut short`,
      );
    }
    if (isZeroBlock(block)) {
      const next = await input.read(BLOCK);
      if (next.length === 0 || isZeroBlock(next)) return;
      throw new InputError(
        `${input.label}: corrupt tar: a lone zero block at offset ${headerOffset}`,
      );
    }
    let rawName = cString(block, 0, 100);
    const where = `${input.label}: tar entry '${rawName}' at offset ${headerOffset}`;
    let size: number;
    let mode: number;
    let uid: number;
    let gid: number;
    let devMajor: number;
    let devMinor: number;
    try {
      if (!checksumMatches(block)) throw new Error('header checksum mismatch');
      size = parseNumber(block, 124, 12, 'size');
      mode = parseNumber(block, 100, 8, 'mode');
      uid = parseNumber(block, 108, 8, 'uid');
      gid = parseNumber(block, 116, 8, 'gid');
      devMajor = parseNumber(block, 329, 8, 'devmajor');
      devMinor = parseNumber(block, 337, 8, 'devminor');
    } catch (err) {
      throw new InputError(`${where}: not a valid tar header (${(err as Error).message})`);
    }
    const typeflag = String.fromCharCode(block[156]);
    const magic = block.toString('latin1', 257, 263);
    if (magic === 'ustar\0') {
      const prefix = cString(block, 345, 155);
      if (prefix !== '') rawName = `${prefix}/${rawName}`;
    }
    const dataOffset = input.position;

    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_META_SIZE) {
        throw new InputError(`${where}: ${size}-byte extended header exceeds ${MAX_META_SIZE}`);
      }
      const blocks = Math.ceil(size / BLOCK) * BLOCK;
      const body = (await readExactly(blocks, 'an extended header', headerOffset)).subarray(
        0,
        size,
      );
      if (typeflag === 'x') pax = parsePax(body, where);
      else if (typeflag === 'L') longName = cString(body, 0, body.length);
      else if (typeflag === 'K') longLink = cString(body, 0, body.length);
      continue;
    }

    let name = longName ?? rawName;
    let linkName = longLink ?? cString(block, 157, 100);
    if (pax) {
      const num = (key: string, fallback: number): number => {
        const value = pax?.get(key);
        if (value === undefined) return fallback;
        if (!/^\d+$/.test(value)) throw new InputError(`${where}: bad PAX ${key} '${value}'`);
        return Number(value);
      };
      name = pax.get('path') ?? name;
      linkName = pax.get('linkpath') ?? linkName;
      size = num('size', size);
      uid = num('uid', uid);
      gid = num('gid', gid);
      if ([...pax.keys()].some((key) => key.startsWith('GNU.sparse.'))) {
        throw new InputError(`${where}: sparse files are not supported`);
      }
    }
    longName = null;
    longLink = null;
    pax = null;

    let type = TYPES[typeflag];
    if (typeflag === 'S') throw new InputError(`${where}: sparse files are not supported`);
    if (typeflag === 'V') {
      await input.skip(Math.ceil(size / BLOCK) * BLOCK);
      continue;
    }
    if (!type) {
      throw new InputError(
        `${where}: unsupported tar entry type '${typeflag.replace(/\0/g, '\\0')}'`,
      );
    }
    if (typeflag === '\0' && name.endsWith('/')) type = 'dir';
    // Only regular files carry a body in a layer; a size on anything else is still skipped.
    const fullBlocks = Math.ceil(size / BLOCK) * BLOCK;
    if (input.length !== null && dataOffset + size > input.length) {
      throw new InputError(
        `${input.label}: tar entry '${name}' at offset ${headerOffset}: truncated tar: the entry ` +
          `declares ${size} bytes but only ${Math.max(0, input.length - dataOffset)} remain`,
      );
    }
    const header: TarHeader = {
      name,
      type,
      mode: mode & 0o7777,
      uid,
      gid,
      size,
      linkName,
      devMajor,
      devMinor,
      headerOffset,
      dataOffset,
    };
    let bodyRead = 0;
    const cutShort = (): InputError =>
      new InputError(
        `${input.label}: truncated tar: the body of '${name}' (offset ${dataOffset}, ` +
          `${size} bytes) is cut short at ${dataOffset + bodyRead}`,
      );
    const entry: TarEntry = {
      header,
      input,
      readBody: async (n: number) => {
        const want = Math.min(n, size - bodyRead);
        const buf = await input.read(want);
        bodyRead += buf.length;
        if (buf.length < want) throw cutShort();
        return buf;
      },
      bodyChunks: async function* () {
        while (bodyRead < size) {
          const buf = await input.readSome(size - bodyRead);
          if (buf.length === 0) throw cutShort();
          bodyRead += buf.length;
          yield buf;
        }
      },
    };
    yield entry;
    const rest = fullBlocks - bodyRead;
    const skipped = await input.skip(rest);
    const bodyMissing = size - bodyRead - skipped;
    if (bodyMissing > 0) {
      throw new InputError(
        `${input.label}: truncated tar: the body of '${name}' (offset ${dataOffset}, ` +
          `${size} bytes) is cut short at ${input.position}`,
      );
    }
  }
}
