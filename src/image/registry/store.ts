/**
 * A registry seen as an OCI image layout, so that the archive code picks the image (index walk,
 * platform choice, attestations skipped) and merges its layers exactly as for an OCI archive and
 * every rule sees the same view: `index.json` is the reference's own index, or an index of one
 * entry when the reference names a single manifest; `blobs/<alg>/<hex>` is fetched from
 * `/manifests/` when an index listed it as a manifest, else from `/blobs/`, with the size its
 * descriptor states. Layers are streamed, decompressed and read as they arrive; nothing is
 * written to disk.
 */
import { InputError } from '../../errors.js';
import { ChunkReader, decompress, sniffCompression } from '../bytes.js';
import type { FactCollector } from '../facts.js';
import { readLayer, type Layer } from '../layer.js';
import type { BlobRef, ImageStore } from '../store.js';
import { looksLikeTar } from '../tar.js';
import { MEDIA_TYPES, type RegistryClient, type RegistryLimits } from './client.js';

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);

type Json = Record<string, unknown>;

interface Descriptor {
  size: number;
  isManifest: boolean;
}

function digestOf(ref: BlobRef, where: string): string {
  const fromName = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(ref.name);
  const digest = ref.digest ?? (fromName ? `${fromName[1]}:${fromName[2]}` : null);
  if (!digest) throw new InputError(`${where}: ${ref.name} is not a blob of the registry`);
  return digest;
}

export class RegistryStore implements ImageStore {
  private readonly descriptors = new Map<string, Descriptor>();
  private readonly documents = new Map<string, Json>();
  /** The digest the reference resolved to (the index or the manifest), once `index.json` was read. */
  resolvedDigest: string | null = null;

  constructor(
    readonly label: string,
    private readonly client: RegistryClient,
    private readonly limits: RegistryLimits,
    private readonly collector: FactCollector,
  ) {}

  has(name: string): boolean {
    return name === 'index.json';
  }

  async readJson(ref: BlobRef, what: string): Promise<unknown> {
    if (ref.name === 'index.json') return this.topIndex();
    const digest = digestOf(ref, what);
    const cached = this.documents.get(digest);
    if (cached) return cached;
    const descriptor = this.descriptors.get(digest);
    if (descriptor?.isManifest) {
      const fetched = await this.client.manifest(digest);
      return this.remember(digest, this.parse(fetched.bytes, fetched.mediaType, what));
    }
    if (!descriptor) throw new InputError(`${what}: ${digest} is named by no manifest read`);
    const bytes = await this.client.blobBytes(
      digest,
      descriptor.size,
      this.limits.configBytes,
      what,
    );
    return this.remember(digest, parseJson(bytes, `${what} (${digest})`));
  }

  async readLayer(ref: BlobRef, what: string): Promise<Layer> {
    const digest = digestOf(ref, what);
    const descriptor = this.descriptors.get(digest);
    if (!descriptor) throw new InputError(`${what}: ${digest} is named by no manifest read`);
    const label = `${what}: blob ${digest}`;
    const stop = new AbortController();
    const blob = new ChunkReader(
      this.client.blob(digest, descriptor.size, what, stop.signal),
      label,
    );
    try {
      return await this.readLayerFrom(blob, digest, label, what);
    } catch (err) {
      // A layer given up half-way must not hold its connection open (the webhook runs for days).
      stop.abort();
      throw err;
    }
  }

  private async readLayerFrom(
    blob: ChunkReader,
    digest: string,
    label: string,
    what: string,
  ): Promise<Layer> {
    const head = await blob.read(512);
    const compression = sniffCompression(head);
    if (
      compression === 'none' &&
      head.length > 0 &&
      !looksLikeTar(head) &&
      head.some((b) => b !== 0)
    ) {
      throw new InputError(`${what}: ${digest} is neither a tar nor gzip or zstd data`);
    }
    // The registry's own failure (a stall, a digest mismatch) ends the stream the decompressor
    // reads, and is thrown here: it explains the truncated data better than the decompressor
    // would, and no error is left inside a stream that nobody listens to any more.
    let failure: unknown = null;
    const rest = (async function* () {
      try {
        yield head;
        yield* blob.chunks(Number.MAX_SAFE_INTEGER);
      } catch (err) {
        failure = err;
      }
    })();
    let layer: Layer;
    try {
      const reader = new ChunkReader(decompress(rest, compression, label), label);
      layer = await readLayer(reader, this.collector);
      await reader.skip(Number.MAX_SAFE_INTEGER);
    } catch (err) {
      throw failure ?? err;
    }
    if (failure) throw failure;
    // Read to the blob's end: its size and digest are checked there, before the layer is used.
    await blob.skip(Number.MAX_SAFE_INTEGER);
    return layer;
  }

  close(): void {}

  private async topIndex(): Promise<Json> {
    const cached = this.documents.get('index.json');
    if (cached) return cached;
    const { reference } = this.client;
    const fetched = await this.client.manifest(reference.digest ?? (reference.tag as string));
    this.resolvedDigest = fetched.digest;
    const document = this.parse(fetched.bytes, fetched.mediaType, `${this.label}: manifest`);
    this.documents.set(fetched.digest, document);
    const index = INDEX_TYPES.has(fetched.mediaType)
      ? document
      : {
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociIndex,
          manifests: [
            { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length },
          ],
        };
    this.documents.set('index.json', index);
    return index;
  }

  private remember(digest: string, document: Json): Json {
    this.documents.set(digest, document);
    return document;
  }

  /**
   * Parses a manifest or index and records the descriptors it lists (their sizes bound the
   * reads; an index's entries are fetched as manifests).
   */
  private parse(bytes: Buffer, mediaType: string, where: string): Json {
    const document = parseJson(bytes, where);
    if (!INDEX_TYPES.has(mediaType) && !MANIFEST_TYPES.has(mediaType)) {
      throw new InputError(
        `${where}: is '${mediaType || 'without a media type'}', not an OCI or Docker v2 image manifest or index` +
          (mediaType.includes('manifest.v1') ? ' (Docker schema 1 is not supported)' : ''),
      );
    }
    const record = (item: unknown, isManifest: boolean) => {
      if (typeof item !== 'object' || item === null) return;
      const { digest, size, mediaType: childType } = item as Json;
      if (typeof digest !== 'string') return;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        throw new InputError(`${where}: the descriptor of ${digest} has no valid size`);
      }
      const manifest =
        isManifest && typeof childType === 'string'
          ? INDEX_TYPES.has(childType) || MANIFEST_TYPES.has(childType)
          : isManifest;
      this.descriptors.set(digest, { size, isManifest: manifest });
    };
    if (INDEX_TYPES.has(mediaType)) {
      if (Array.isArray(document.manifests)) for (const m of document.manifests) record(m, true);
    } else {
      record(document.config, false);
      if (Array.isArray(document.layers)) for (const l of document.layers) record(l, false);
    }
    return document;
  }
}

function parseJson(bytes: Buffer, where: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new InputError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${where}: expected a JSON object`);
  }
  return value as Json;
}
