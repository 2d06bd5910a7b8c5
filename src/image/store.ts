/**
 * The named files of an image archive (`manifest.json`, `index.json`, `blobs/sha256/…`,
 * `<id>/layer.tar`), wherever they are: a folder, a tar on disk (indexed once, then read at
 * offsets), or a stream (the engine's export, a compressed archive) consumed in one pass, where
 * every layer is read as it passes because the manifest naming the layers may come last.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { InputError } from '../errors.js';
import { checkInputPath, parseJsonText } from '../input-files.js';
import {
  ChunkReader,
  decompress,
  DiskFile,
  fileChunks,
  FileWindow,
  newHash,
  sniffCompression,
} from './bytes.js';
import { readLayer, type Layer } from './layer.js';
import { looksLikeTar, walkTar } from './tar.js';
import type { FactCollector } from './facts.js';

/** A file of the archive, and the digest its content must have (null when none is stated). */
export interface BlobRef {
  name: string;
  digest: string | null;
}

export interface ImageStore {
  readonly label: string;
  has(name: string): boolean;
  readJson(ref: BlobRef, what: string): Promise<unknown>;
  readLayer(ref: BlobRef, what: string): Promise<Layer>;
  close(): void;
}

/** Manifests and configs are small; anything larger than this is not one. */
const MAX_JSON_SIZE = 16 * 1024 * 1024;
/**
 * What a streamed archive may keep of its JSON files in all (manifests, indexes, configs): a
 * real one keeps kilobytes; eighty 16 MiB entries would otherwise all be held (1.4 GiB).
 */
export const MAX_KEPT_JSON_TOTAL = 64 * 1024 * 1024;

/** JSON text starts, after optional blanks, with an object or an array. */
function looksLikeJson(head: Buffer): boolean {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}
const DIGEST_RE = /^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$/;

/** `blobs/<algorithm>/<hex>` for a descriptor's digest, refusing anything else. */
export function blobName(digest: unknown, where: string): string {
  if (typeof digest !== 'string' || !DIGEST_RE.test(digest)) {
    throw new InputError(`${where}: bad digest ${JSON.stringify(digest)}`);
  }
  const [algorithm, hex] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}

/** The digest a file name states (`blobs/sha256/<hex>`, `<hex>.json`), else null. */
export function digestOfName(name: string): string | null {
  const blob = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(name);
  if (blob) return `${blob[1]}:${blob[2]}`;
  const config = /^([a-f0-9]{64})\.json$/.exec(name);
  return config ? `sha256:${config[1]}` : null;
}

function parseJson(bytes: Buffer, where: string): unknown {
  return parseJsonText(bytes, where);
}

function checkDigest(actualHex: string, ref: BlobRef, where: string): void {
  if (ref.digest === null) return;
  const expected = ref.digest.split(':')[1];
  if (actualHex !== expected) {
    const algorithm = ref.digest.split(':')[0];
    throw new InputError(
      `${where}: blob ${ref.name} does not match its digest ${ref.digest}: its content hashes to ` +
        `${algorithm}:${actualHex}`,
    );
  }
}

function cleanName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** A relative name, cleaned; one that would leave the archive is refused. */
function safeName(name: string, where: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0)
        throw new InputError(`${where}: '${name}' points outside the archive`);
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/** Reads a layer from a window of a file: plain tars are walked in place, others streamed. */
async function readLayerWindow(
  window: FileWindow,
  ref: BlobRef,
  what: string,
  collector: FactCollector,
): Promise<Layer> {
  const head = window.readAt(0, 512);
  const compression = sniffCompression(head);
  if (compression === 'none') {
    if (head.length > 0 && !looksLikeTar(head) && head.some((b) => b !== 0)) {
      throw new InputError(`${what}: ${ref.name} is neither a tar nor gzip or zstd data`);
    }
    // Plain tars are read in place: their bodies are skipped, so their digest is not computed.
    return readLayer(window, collector);
  }
  const hash = ref.digest ? newHash(ref.digest.split(':')[0], what) : null;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of fileChunks(window)) {
      hash?.update(chunk);
      yield chunk;
    }
  }
  const reader = new ChunkReader(decompress(hashed(), compression, `${what} (${ref.name})`), what);
  const layer = await readLayer(reader, collector);
  await reader.skip(Number.MAX_SAFE_INTEGER);
  if (hash) checkDigest(hash.digest('hex'), ref, what);
  return layer;
}

/** Where a file of the archive is on disk. */
type Located = { file: DiskFile; start: number; length: number };

/** A folder (OCI layout, extracted docker save) or an uncompressed tar on disk. */
export class DiskStore implements ImageStore {
  private readonly entries = new Map<
    string,
    { start: number; length: number } | { alias: string }
  >();
  private readonly openFiles: DiskFile[] = [];

  private constructor(
    /** Set by the caller once it knows what kind of archive this is. */
    public label: string,
    private readonly root: string | null,
    private readonly tar: DiskFile | null,
    private readonly collector: FactCollector,
  ) {}

  static folder(path: string, label: string, collector: FactCollector): DiskStore {
    return new DiskStore(label, path, null, collector);
  }

  /** Indexes the entries of an uncompressed tar by reading its headers only. */
  static async tar(file: DiskFile, label: string, collector: FactCollector): Promise<DiskStore> {
    const store = new DiskStore(label, null, file, collector);
    const window = new FileWindow(file, 0, file.size, label);
    for await (const entry of walkTar(window)) {
      const { header } = entry;
      const name = cleanName(header.name);
      if (header.type === 'file') {
        store.entries.set(name, { start: header.dataOffset, length: header.size });
      } else if (header.type === 'symlink' || header.type === 'hardlink') {
        // Docker ≤ 24 saves a layer shared by two images once and links the second name to it.
        const base = header.type === 'symlink' ? name.split('/').slice(0, -1).join('/') : '';
        const where = `${label}: tar entry '${header.name}'`;
        store.entries.set(name, { alias: safeName(`${base}/${header.linkName}`, where) });
      }
    }
    return store;
  }

  private locate(name: string, what: string): Located {
    if (this.root !== null) {
      const path = join(this.root, safeName(name, what));
      if (!existsSync(path)) throw new InputError(`${what}: ${name} is missing from ${this.label}`);
      // A symbolic link in the folder may point within it (a layer shared by two images), never
      // out of it (`index.json -> /etc/passwd`); anything but a regular file is refused unread.
      const checked = checkInputPath(path, {
        what: `${this.label}:`,
        shownAs: name,
        kind: 'file',
        within: [this.root],
        withinName: 'the folder',
      });
      const file = new DiskFile(checked.real);
      this.openFiles.push(file);
      return { file, start: 0, length: file.size };
    }
    let found = this.entries.get(name);
    for (let hops = 0; found && 'alias' in found && hops < 8; hops++)
      found = this.entries.get(found.alias);
    if (!found || 'alias' in found)
      throw new InputError(`${what}: ${name} is missing from ${this.label}`);
    return { file: this.tar as DiskFile, start: found.start, length: found.length };
  }

  has(name: string): boolean {
    if (this.root !== null) return existsSync(join(this.root, name));
    return this.entries.has(name);
  }

  async readJson(ref: BlobRef, what: string): Promise<unknown> {
    const { file, start, length } = this.locate(ref.name, what);
    let bytes: Buffer;
    try {
      if (length > MAX_JSON_SIZE)
        throw new InputError(`${what}: ${ref.name} is ${length} bytes, too large`);
      bytes = file.readAt(start, length);
    } finally {
      // A folder's JSON file is read whole: closed at once, however many an index lists.
      if (file !== this.tar) this.release(file);
    }
    if (ref.digest) {
      const hash = newHash(ref.digest.split(':')[0], what);
      checkDigest(hash.update(bytes).digest('hex'), ref, what);
    }
    return parseJson(bytes, `${what} (${ref.name})`);
  }

  async readLayer(ref: BlobRef, what: string): Promise<Layer> {
    const { file, start, length } = this.locate(ref.name, what);
    const window = new FileWindow(file, start, length, `${this.label} layer ${ref.name}`);
    return readLayerWindow(window, ref, what, this.collector);
  }

  private release(file: DiskFile): void {
    this.openFiles.splice(this.openFiles.indexOf(file), 1);
    file.close();
  }

  close(): void {
    for (const file of this.openFiles) file.close();
    this.tar?.close();
  }
}

/**
 * An archive read in one pass from a stream. Every file is hashed as it passes; small JSON
 * files are kept, layers are read into metadata and facts, everything else is only hashed.
 */
export class StreamStore implements ImageStore {
  private readonly json = new Map<string, Buffer>();
  private readonly layers = new Map<string, Layer>();
  private readonly digests = new Map<string, string>();
  private readonly aliases = new Map<string, string>();

  private constructor(readonly label: string) {}

  static async read(
    source: AsyncIterable<Uint8Array>,
    label: string,
    collector: FactCollector,
  ): Promise<StreamStore> {
    const store = new StreamStore(label);
    let keptJson = 0;
    const outer = new ChunkReader(source, label);
    const head = await outer.read(512);
    if (!looksLikeTar(head)) {
      throw new InputError(`${label}: not an image archive (no tar header at offset 0)`);
    }
    const input = new ChunkReader(
      (async function* () {
        yield head;
        yield* outer.chunks(Number.MAX_SAFE_INTEGER);
      })(),
      label,
    );
    for await (const entry of walkTar(input)) {
      const { header } = entry;
      const name = cleanName(header.name);
      const where = `${label}: tar entry '${header.name}'`;
      if (header.type === 'symlink' || header.type === 'hardlink') {
        const base = header.type === 'symlink' ? name.split('/').slice(0, -1).join('/') : '';
        store.aliases.set(name, safeName(`${base}/${header.linkName}`, where));
        continue;
      }
      if (header.type !== 'file') continue;
      const hash = newHash('sha256', where);
      const body = new ChunkReader(entry.bodyChunks(), `${label} layer ${name}`, hash);
      const first = await body.read(512);
      const compression = sniffCompression(first);
      const isTar =
        compression !== 'none' ||
        looksLikeTar(first) ||
        (first.length === 512 && first.every((b) => b === 0));
      const rest = (async function* () {
        yield first;
        yield* body.chunks(Number.MAX_SAFE_INTEGER);
      })();
      if (isTar) {
        const reader = new ChunkReader(
          decompress(rest, compression, `${label}: ${name}`),
          `${label} layer ${name}`,
        );
        store.layers.set(name, await readLayer(reader, collector));
        await reader.skip(Number.MAX_SAFE_INTEGER);
      } else if (header.size <= MAX_JSON_SIZE && looksLikeJson(first)) {
        keptJson += header.size;
        if (keptJson > MAX_KEPT_JSON_TOTAL) {
          throw new InputError(
            `${where}: the archive's JSON files add up to more than ${MAX_KEPT_JSON_TOTAL} bytes`,
          );
        }
        const bytes = Buffer.concat([first, await body.read(header.size - first.length)]);
        store.json.set(name, bytes);
      } else {
        await body.skip(Number.MAX_SAFE_INTEGER);
      }
      store.digests.set(name, body.digest());
    }
    // Read to the end (tar padding after the end marker), so the source is wholly consumed.
    await input.skip(Number.MAX_SAFE_INTEGER);
    return store;
  }

  private resolveName(name: string): string {
    let current = name;
    for (let hops = 0; this.aliases.has(current) && hops < 8; hops++)
      current = this.aliases.get(current) as string;
    return current;
  }

  has(name: string): boolean {
    const real = this.resolveName(name);
    return this.json.has(real) || this.layers.has(real);
  }

  async readJson(ref: BlobRef, what: string): Promise<unknown> {
    const real = this.resolveName(ref.name);
    const bytes = this.json.get(real);
    if (!bytes) {
      // Passed over as it streamed by: it did not start like JSON, or was too large for it.
      const why = this.digests.has(real) ? 'is not JSON' : `is missing from ${this.label}`;
      throw new InputError(`${what}: ${ref.name} ${why}`);
    }
    checkDigest(this.digests.get(real) as string, ref, what);
    return parseJson(bytes, `${what} (${ref.name})`);
  }

  async readLayer(ref: BlobRef, what: string): Promise<Layer> {
    const real = this.resolveName(ref.name);
    const layer = this.layers.get(real);
    if (!layer) {
      const why = this.json.has(real) ? 'is not a tar' : 'is missing from ' + this.label;
      throw new InputError(`${what}: ${ref.name} ${why}`);
    }
    checkDigest(this.digests.get(real) as string, ref, what);
    return layer;
  }

  close(): void {}
}
