/**
 * Byte inputs for the tar walker: a seekable window of a file on disk (headers read at offsets,
 * bodies skipped without reading them), and a forward-only reader over a stream of chunks (the
 * engine's export, compressed layers). Both report short reads at end of input; callers turn a
 * short read into an error naming the entry.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';

import { InputError } from '../errors.js';

/** A forward-only byte input; `read` and `skip` return less than asked only at end of input. */
export interface ByteInput {
  /** Where the input is, for messages (`/tmp/x.tar`, `layer sha256:ab… of engine:app`). */
  readonly label: string;
  readonly position: number;
  /** Total length when known (seekable inputs), else null. */
  readonly length: number | null;
  read(n: number): Promise<Buffer>;
  /** Up to `max` bytes, as few as are at hand (no copying); empty only at end of input. */
  readSome(max: number): Promise<Buffer>;
  skip(n: number): Promise<number>;
}

/**
 * An open regular file on disk, read with positioned reads only, closed by its owner. Opened
 * non-blocking, so that a FIFO put where a file was expected fails here instead of hanging.
 */
export class DiskFile {
  readonly fd: number;
  readonly size: number;
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw new InputError(
        `${path}: cannot be opened (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    const stats = fstatSync(this.fd);
    if (!stats.isFile()) {
      closeSync(this.fd);
      throw new InputError(`${path}: not a regular file`);
    }
    this.size = stats.size;
  }
  readAt(offset: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const buf = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const got = readSync(this.fd, buf, done, n - done, offset + done);
      if (got === 0) break;
      done += got;
    }
    return done === n ? buf : buf.subarray(0, done);
  }
  /** Reads into `target` from `offset` until it is full or the file ends; returns the count. */
  readSome(offset: number, target: Buffer): number {
    let done = 0;
    while (done < target.length) {
      const got = readSync(this.fd, target, done, target.length - done, offset + done);
      if (got === 0) break;
      done += got;
    }
    return done;
  }

  /** Fills `target` from `offset`; a short file is an error (the caller checked the size). */
  readInto(offset: number, target: Buffer): void {
    let done = 0;
    while (done < target.length) {
      const got = readSync(this.fd, target, done, target.length - done, offset + done);
      if (got === 0) throw new InputError(`${this.path}: ends early at offset ${offset + done}`);
      done += got;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * A window `[start, start + length)` of a file, read sequentially. Small reads (tar headers)
 * are served from a read-ahead buffer, so a layer of many small files costs few system calls;
 * `skip` moves past bodies without reading them.
 */
export class FileWindow implements ByteInput {
  private offset = 0;
  private cache = Buffer.alloc(0);
  private cacheStart = 0;
  private cacheLength = 0;
  private static readonly READ_AHEAD = 64 * 1024;

  constructor(
    readonly file: DiskFile,
    readonly start: number,
    readonly length: number,
    readonly label: string,
  ) {}

  get position(): number {
    return this.offset;
  }

  /**
   * Reads `n` bytes at `at` (relative to the window) without moving the position. Small reads
   * return a view of the read-ahead buffer, valid until the next read.
   */
  readAt(at: number, n: number): Buffer {
    const want = Math.max(0, Math.min(n, this.length - at));
    if (at >= this.cacheStart && at + want <= this.cacheStart + this.cacheLength) {
      return this.cache.subarray(at - this.cacheStart, at - this.cacheStart + want);
    }
    if (want > FileWindow.READ_AHEAD) return this.file.readAt(this.start + at, want);
    if (this.cache.length === 0) this.cache = Buffer.allocUnsafe(FileWindow.READ_AHEAD);
    const ahead = Math.min(FileWindow.READ_AHEAD, this.length - at);
    this.cacheLength = this.file.readSome(this.start + at, this.cache.subarray(0, ahead));
    this.cacheStart = at;
    return this.cache.subarray(0, Math.min(want, this.cacheLength));
  }

  /** Fills `target` with the bytes at `at` (relative to the window). */
  readInto(at: number, target: Buffer): void {
    if (at + target.length > this.length) {
      throw new InputError(`${this.label}: ends early at offset ${this.length}`);
    }
    this.file.readInto(this.start + at, target);
  }

  async read(n: number): Promise<Buffer> {
    const buf = this.readAt(this.offset, n);
    this.offset += buf.length;
    return buf;
  }

  async readSome(max: number): Promise<Buffer> {
    return this.read(Math.min(max, 1024 * 1024));
  }

  async skip(n: number): Promise<number> {
    const skipped = Math.max(0, Math.min(n, this.length - this.offset));
    this.offset += skipped;
    return skipped;
  }
}

/** A forward-only reader over chunks; optionally hashes every byte it consumes. */
export class ChunkReader implements ByteInput {
  private chunk: Buffer = Buffer.alloc(0);
  private at = 0;
  private consumed = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(
    source: AsyncIterable<Uint8Array>,
    readonly label: string,
    private readonly hash: Hash | null = null,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  get position(): number {
    return this.consumed;
  }
  readonly length = null;

  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const value = next.value;
      this.chunk = Buffer.isBuffer(value)
        ? value
        : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      this.at = 0;
    }
    return true;
  }

  private take(max: number): Buffer {
    const n = Math.min(max, this.chunk.length - this.at);
    const out = this.chunk.subarray(this.at, this.at + n);
    this.at += n;
    this.consumed += n;
    this.hash?.update(out);
    return out;
  }

  async read(n: number): Promise<Buffer> {
    if (n === 0 || !(await this.fill())) return Buffer.alloc(0);
    if (this.chunk.length - this.at >= n) return this.take(n);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n && (await this.fill())) {
      const part = this.take(n - got);
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts, got);
  }

  async readSome(max: number): Promise<Buffer> {
    if (max === 0 || !(await this.fill())) return Buffer.alloc(0);
    return this.take(max);
  }

  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n && (await this.fill())) skipped += this.take(n - skipped).length;
    return skipped;
  }

  /** The next `n` bytes (fewer at end of input) as chunks, consumed as they are yielded. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0 && (await this.fill())) {
      const part = this.take(left);
      left -= part.length;
      yield part;
    }
  }

  /** Hex digest of everything consumed so far (only when constructed with a hash). */
  digest(): string {
    if (!this.hash) throw new Error('ChunkReader.digest without a hash');
    return this.hash.digest('hex');
  }
}

/** The chunks of a window of a file, read in large pieces (for compressed layers on disk). */
export async function* fileChunks(window: FileWindow): AsyncGenerator<Buffer> {
  const piece = 1024 * 1024;
  for (let at = 0; at < window.length; at += piece) {
    const buf = window.file.readAt(window.start + at, Math.min(piece, window.length - at));
    if (buf.length === 0) return;
    yield buf;
  }
}

export type Compression = 'gzip' | 'zstd' | 'none';

/** Recognises compression by its magic bytes, not by the media type (which tools get wrong). */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (
    head.length >= 4 &&
    head[0] === 0x28 &&
    head[1] === 0xb5 &&
    head[2] === 0x2f &&
    head[3] === 0xfd
  ) {
    return 'zstd';
  }
  return 'none';
}

/** Decompresses a chunk stream; errors become InputErrors naming `label`. */
export async function* decompress(
  source: AsyncIterable<Buffer>,
  compression: Compression,
  label: string,
): AsyncGenerator<Buffer> {
  if (compression === 'none') {
    yield* source;
    return;
  }
  if (compression === 'gzip') {
    // Large output chunks: every chunk costs a trip through the generators above this one.
    const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
    const piped = Readable.from(source).pipe(gunzip);
    try {
      for await (const chunk of piped) yield chunk as Buffer;
    } catch (err) {
      throw new InputError(`${label}: corrupt gzip data: ${(err as Error).message}`);
    }
    return;
  }
  const out: Buffer[] = [];
  const zstd = new Decompress((data) => {
    out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  const frames = new ZstdFrameGuard(label);
  try {
    for await (const chunk of source) {
      // Headers are checked before the decoder sees them: it allocates the window they declare.
      frames.push(chunk);
      zstd.push(chunk);
      while (out.length > 0) yield out.shift() as Buffer;
    }
    zstd.push(new Uint8Array(0), true);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${label}: corrupt zstd data: ${(err as Error).message}`);
  }
  while (out.length > 0) yield out.shift() as Buffer;
}

/**
 * The largest zstd window accepted, in bytes. The decoder keeps a buffer of the window's size
 * and moves it once per block (≤ 128 KiB), so both memory and time grow with it. 8 MiB is the
 * window of libzstd's levels up to 19 and of the Go encoder BuildKit and containerd use; larger
 * ones come from `zstd --long`/`--ultra` or from a crafted header (a "71 KB layer of 2 GiB").
 */
export const MAX_ZSTD_WINDOW = 8 * 1024 * 1024;

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Walks the frame and block headers of a zstd stream as its bytes pass (RFC 8878, 3.1), without
 * decoding, and refuses a frame whose window (Window_Descriptor, or Frame_Content_Size for a
 * single-segment frame) exceeds MAX_ZSTD_WINDOW. Skippable frames are passed over.
 */
class ZstdFrameGuard {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes to pass before the next header. */
  private skip = 0;
  private inFrame = false;
  private checksum = false;
  /** Compressed bytes pushed so far, for the offset in messages. */
  private seen = 0;

  constructor(private readonly label: string) {}

  push(chunk: Uint8Array): void {
    const base = this.seen - this.pending.length;
    this.seen += chunk.byteLength;
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pending.length > 0) data = Buffer.concat([this.pending, data]);
    this.pending = Buffer.alloc(0);
    let at = 0;
    for (;;) {
      const passed = Math.min(this.skip, data.length - at);
      this.skip -= passed;
      at += passed;
      if (this.skip > 0) return;
      const left = data.length - at;
      const wait = (n: number): boolean => {
        if (left >= n) return false;
        this.pending = Buffer.from(data.subarray(at));
        return true;
      };
      if (this.inFrame) {
        if (wait(3)) return;
        const header = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
        at += 3;
        // Block_Type 1 (RLE) stores one byte whatever its Block_Size.
        this.skip = ((header >> 1) & 3) === 1 ? 1 : header >>> 3;
        if (header & 1) {
          this.inFrame = false;
          this.skip += this.checksum ? 4 : 0;
        }
        continue;
      }
      if (wait(4)) return;
      const magic = data.readUInt32LE(at);
      if ((magic & 0xfffffff0) === 0x184d2a50) {
        if (wait(8)) return;
        this.skip = data.readUInt32LE(at + 4);
        at += 8;
        continue;
      }
      // Anything else is the decoder's to reject, with its own message.
      if (magic !== ZSTD_MAGIC || wait(5)) return;
      const descriptor = data[at + 4]!;
      const sizeFlag = descriptor >> 6;
      const singleSegment = (descriptor >> 5) & 1;
      const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
      const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
      const headerBytes = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + sizeBytes;
      if (wait(headerBytes)) return;
      let window: number;
      if (singleSegment) {
        const sizeAt = at + 5 + dictionaryBytes;
        let size = 0;
        for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + data[sizeAt + i]!;
        window = sizeFlag === 1 ? size + 256 : size;
      } else {
        const exponent = data[at + 5]! >> 3;
        const base = 2 ** (10 + exponent);
        window = base + (base / 8) * (data[at + 5]! & 7);
      }
      if (window > MAX_ZSTD_WINDOW) {
        throw new InputError(
          `${this.label}: a zstd frame at offset ${base + at} declares a ${mebibytes(window)} window; ` +
            `the largest read is ${mebibytes(MAX_ZSTD_WINDOW)} (recompress without --long or --ultra)`,
        );
      }
      this.checksum = ((descriptor >> 2) & 1) === 1;
      this.inFrame = true;
      at += headerBytes;
    }
  }
}

function mebibytes(bytes: number): string {
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;
}

export function newHash(algorithm: string, label: string): Hash {
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new InputError(`${label}: unsupported digest algorithm '${algorithm}'`);
  }
  return createHash(algorithm);
}
