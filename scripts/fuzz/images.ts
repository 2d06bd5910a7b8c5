/**
 * Builders of hostile image inputs for the fuzz harness and the tests: a ustar writer, OCI
 * archives and layouts, docker-save archives, and decompression bombs made without compressing
 * their payload (zstd RLE blocks; gzip of zeros streamed through zlib), so that a "2 GiB" bomb
 * costs kilobytes and milliseconds to write. Written here, not by the code under test.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { constants, deflateRawSync, crc32 } from 'node:zlib';

export interface TarHeaderOptions {
  type?: string;
  size?: number;
  mode?: number;
  linkName?: string;
}

export interface TarEntrySpec extends Omit<TarHeaderOptions, 'size'> {
  name: string;
  data?: string | Uint8Array;
}

/** One ustar header block (names up to 100 bytes, as the generators use). */
export function tarHeader(
  name: string,
  { type = '0', size = 0, mode = 0o644, linkName = '' }: TarHeaderOptions = {},
): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write(mode.toString(8).padStart(7, '0') + '\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(type, 156, 'ascii');
  block.write(linkName, 157, 100, 'utf8');
  block.write('ustar\0' + '00', 257, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return block;
}

/** A whole tar in memory: entries `{ name, data?, type?, mode?, linkName? }`. */
export function tar(entries: TarEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.from(entry.data);
    parts.push(tarHeader(entry.name, { ...entry, size: data.length }));
    parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A zstd frame (RFC 8878) whose content is `size` copies of `byte`, as RLE blocks of 128 KiB:
 * 4 bytes per block, so 2 GiB of content is 64 KiB. `windowLog` is declared in the header.
 */
export function zstdRle(
  size: number,
  {
    byte = 0,
    windowLog = 23,
    prefix = Buffer.alloc(0),
  }: { byte?: number; windowLog?: number; prefix?: Buffer } = {},
): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3])];
  const block = (last: boolean, type: number, blockSize: number, content: Buffer): void => {
    const header = (blockSize << 3) | (type << 1) | (last ? 1 : 0);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), content);
  };
  if (prefix.length > 0) block(size === 0, 0, prefix.length, prefix);
  const max = 128 * 1024;
  for (let left = size; left > 0;) {
    const n = Math.min(max, left);
    left -= n;
    block(left === 0, 1, n, Buffer.from([byte]));
  }
  return Buffer.concat(parts);
}

/**
 * A gzip member (RFC 1952) of `segments`, each bytes or `{ zeros: n }`. Deflate blocks ended by
 * a full flush are independent, so one compressed MiB of zeros is repeated: gigabytes of
 * content cost milliseconds and kilobytes.
 */
export type GzipSegment = Buffer | { zeros: number };

export function gzipSegments(segments: GzipSegment[]): Buffer {
  const MiB = 1024 * 1024;
  const flushed = (bytes: Uint8Array): Buffer =>
    deflateRawSync(bytes, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const zeroMiB = Buffer.alloc(MiB);
  const zeroPiece = flushed(zeroMiB);
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])];
  let crc = 0;
  let length = 0;
  for (const segment of segments) {
    if (Buffer.isBuffer(segment)) {
      parts.push(flushed(segment));
      crc = crc32(segment, crc);
      length += segment.length;
      continue;
    }
    let left = segment.zeros;
    for (; left >= MiB; left -= MiB) {
      parts.push(zeroPiece);
      crc = crc32(zeroMiB, crc);
    }
    parts.push(flushed(Buffer.alloc(left)));
    crc = crc32(Buffer.alloc(left), crc);
    length += segment.zeros;
  }
  parts.push(deflateRawSync(Buffer.alloc(0)));
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** The files of an OCI image layout holding one image with these (already encoded) layers. */
export interface OciSpec {
  layers: Buffer[];
  /** Merged into the image config (e.g. `{ config: { Entrypoint: ['/app'] } }`). */
  config?: Record<string, unknown>;
  layerMediaType?: string;
  /** index.json as given instead of the one naming the image. */
  index?: unknown;
}

export function ociFiles({
  layers,
  config = {},
  layerMediaType = 'application/vnd.oci.image.layer.v1.tar+gzip',
  index = null,
}: OciSpec): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const blob = (bytes: Buffer): { digest: string; size: number } => {
    const digest = `sha256:${sha256(bytes)}`;
    files.set(`blobs/sha256/${digest.slice(7)}`, bytes);
    return { digest, size: bytes.length };
  };
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha256(l)}`) },
      ...config,
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...blob(configBytes) },
      layers: layers.map((l) => ({ mediaType: layerMediaType, ...blob(l) })),
    }),
  );
  const m = blob(manifest);
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set(
    'index.json',
    Buffer.from(
      JSON.stringify(
        index ?? {
          schemaVersion: 2,
          manifests: [
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              ...m,
              platform: { os: 'linux', architecture: 'amd64' },
            },
          ],
        },
      ),
    ),
  );
  return files;
}

/** Writes the files as a folder. */
export function writeFolder(dir: string, files: Map<string, Buffer>): string {
  for (const [name, bytes] of files) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), bytes);
  }
  return dir;
}

/** Writes the files as one uncompressed tar (an OCI archive or docker save). */
export function writeTar(file: string, files: Map<string, Buffer>): string {
  writeFileSync(file, tar([...files].map(([name, data]) => ({ name, data }))));
  return file;
}
