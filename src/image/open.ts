/**
 * openImage: from wherever the image is (the Docker Engine, a docker-save tar of any Docker
 * version, an OCI archive or layout, a rootfs folder, a registry: see registry/) to one
 * ImageView. Nothing is written to disk; archives on disk are read in place.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { Readable } from 'node:stream';

// Types only: dockerode (with ssh2, grpc-js, protobufjs) is loaded when an engine is asked.
import type Docker from 'dockerode';

import { InputError } from '../errors.js';
import { decompress, DiskFile, sniffCompression } from './bytes.js';
import { makeView, mergeLayers } from './filesystem.js';
import type { Layer } from './layer.js';
import { FactCollector, type ElfAnalyzers } from './facts.js';
import { choosePlatform, parsePlatform, type Candidate, type Platform } from './platform.js';
import { openRegistryImage, type RegistrySourceSpec } from './registry/index.js';
import { readRootfsFolder } from './rootfs.js';
import {
  blobName,
  digestOfName,
  DiskStore,
  StreamStore,
  type BlobRef,
  type ImageStore,
} from './store.js';
import { looksLikeTar } from './tar.js';
import type { ImageConfig, ImageView } from './types.js';

export type ImageSourceSpec =
  | { kind: 'engine'; ref: string; dockerHost?: string }
  | { kind: 'archive'; path: string }
  | RegistrySourceSpec;

export interface OpenImageOptions extends ElfAnalyzers {
  /** `os/arch[/variant]`; when absent, this machine's platform if the image has it, else its only one. */
  platform?: string;
}

const MEDIA_INDEX = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const MEDIA_MANIFEST = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

/** The image chosen in an archive: its config and the layers to apply, bottom first. */
interface Selected {
  config: Record<string, unknown>;
  configDigest: string | null;
  manifestDigest: string | null;
  layers: BlobRef[];
  repoTags: string[];
}

type Json = Record<string, unknown>;

function asObject(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${where}: expected a JSON object`);
  }
  return value as Json;
}

function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new InputError(`${where}: expected a JSON array`);
  return value;
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
    ? (value as string[])
    : null;
}

function platformOfConfig(config: Json): Platform {
  return {
    os: typeof config.os === 'string' ? config.os : '',
    architecture: typeof config.architecture === 'string' ? config.architecture : '',
    variant: typeof config.variant === 'string' && config.variant !== '' ? config.variant : null,
  };
}

function diffIds(config: Json, where: string): string[] {
  const rootfs = asObject(config.rootfs ?? {}, `${where}: rootfs`);
  return stringList(rootfs.diff_ids) ?? [];
}

/** Docker's save format: `manifest.json` lists the images with their config and layer files. */
async function selectDockerArchive(
  store: ImageStore,
  platform: Platform | null,
): Promise<Selected> {
  const where = `${store.label}: manifest.json`;
  const list = asArray(await store.readJson({ name: 'manifest.json', digest: null }, where), where);
  const candidates: Candidate<Selected>[] = [];
  const seen = new Set<string>();
  for (const [i, item] of list.entries()) {
    const entry = asObject(item, `${where}[${i}]`);
    const configName = entry.Config;
    const layerNames = stringList(entry.Layers);
    if (typeof configName !== 'string' || !layerNames) {
      throw new InputError(`${where}[${i}]: needs "Config" and "Layers"`);
    }
    if (seen.has(configName)) continue;
    seen.add(configName);
    const configDigest = digestOfName(configName);
    const config = asObject(
      await store.readJson({ name: configName, digest: configDigest }, `${where}[${i}] config`),
      `${store.label}: ${configName}`,
    );
    const ids = diffIds(config, `${store.label}: ${configName}`);
    if (ids.length !== layerNames.length) {
      throw new InputError(
        `${where}[${i}]: lists ${layerNames.length} layers but its config ${configName} has ${ids.length} diff_ids`,
      );
    }
    const repoTags = stringList(entry.RepoTags) ?? [];
    candidates.push({
      platform: platformOfConfig(config),
      name: repoTags[0] ?? configName,
      value: {
        config,
        configDigest,
        manifestDigest: null,
        // Named blobs are checked against their name; Docker ≤ 24's `<id>/layer.tar` against the diff_id.
        layers: layerNames.map((name, k) => ({ name, digest: digestOfName(name) ?? ids[k] })),
        repoTags,
      },
    });
  }
  return choosePlatform(candidates, platform, store.label);
}

interface Leaf {
  descriptor: Json;
  platform: Platform | null;
  refName: string | null;
}

function isAttestation(descriptor: Json, platform: Platform | null): boolean {
  const annotations = (descriptor.annotations ?? {}) as Record<string, unknown>;
  return (
    (platform?.os === 'unknown' && platform.architecture === 'unknown') ||
    annotations['vnd.docker.reference.type'] === 'attestation-manifest'
  );
}

/** OCI: index.json → (nested indexes) → manifests; attestations and unknown entries skipped. */
async function selectOci(store: ImageStore, platform: Platform | null): Promise<Selected> {
  const leaves: Leaf[] = [];
  const visit = async (index: Json, where: string, depth: number): Promise<void> => {
    if (depth > 8) throw new InputError(`${where}: indexes nested too deep`);
    for (const [i, item] of asArray(index.manifests ?? [], `${where}: manifests`).entries()) {
      const descriptor = asObject(item, `${where}: manifests[${i}]`);
      const mediaType = descriptor.mediaType;
      const p = descriptor.platform
        ? asObject(descriptor.platform, `${where}: manifests[${i}].platform`)
        : null;
      const leafPlatform = p ? platformOfConfig(p) : null;
      const annotations = (descriptor.annotations ?? {}) as Record<string, unknown>;
      const refName =
        typeof annotations['org.opencontainers.image.ref.name'] === 'string'
          ? (annotations['org.opencontainers.image.ref.name'] as string)
          : null;
      if (typeof mediaType === 'string' && MEDIA_INDEX.has(mediaType)) {
        const name = blobName(descriptor.digest, `${where}: manifests[${i}]`);
        const nested = asObject(
          await store.readJson(
            { name, digest: descriptor.digest as string },
            `${where}: nested index`,
          ),
          `${store.label}: ${name}`,
        );
        await visit(nested, `${store.label}: index ${descriptor.digest}`, depth + 1);
      } else if (typeof mediaType === 'string' && MEDIA_MANIFEST.has(mediaType)) {
        if (!isAttestation(descriptor, leafPlatform))
          leaves.push({ descriptor, platform: leafPlatform, refName });
      }
    }
  };
  const where = `${store.label}: index.json`;
  await visit(
    asObject(await store.readJson({ name: 'index.json', digest: null }, where), where),
    where,
    0,
  );

  const readManifest = async (
    descriptor: Json,
  ): Promise<{ manifest: Json; config: Json; configDigest: string }> => {
    const manifestWhere = `${store.label}: manifest ${String(descriptor.digest)}`;
    const name = blobName(descriptor.digest, manifestWhere);
    const manifest = asObject(
      await store.readJson({ name, digest: descriptor.digest as string }, manifestWhere),
      manifestWhere,
    );
    const configDescriptor = asObject(manifest.config, `${manifestWhere}: config`);
    const configName = blobName(configDescriptor.digest, `${manifestWhere}: config`);
    const config = asObject(
      await store.readJson(
        { name: configName, digest: configDescriptor.digest as string },
        `${manifestWhere}: config`,
      ),
      `${store.label}: config ${String(configDescriptor.digest)}`,
    );
    return { manifest, config, configDigest: configDescriptor.digest as string };
  };

  const candidates: Candidate<Leaf>[] = [];
  for (const leaf of leaves) {
    // A manifest listed without a platform (skopeo's single-image index) states it in its config.
    const leafPlatform =
      leaf.platform ?? platformOfConfig((await readManifest(leaf.descriptor)).config);
    candidates.push({ platform: leafPlatform, name: leaf.refName, value: leaf });
  }
  const chosen = choosePlatform(candidates, platform, store.label);
  const { manifest, config, configDigest } = await readManifest(chosen.descriptor);
  const manifestWhere = `${store.label}: manifest ${String(chosen.descriptor.digest)}`;
  const layers = asArray(manifest.layers ?? [], `${manifestWhere}: layers`).map((item, i) => {
    const descriptor = asObject(item, `${manifestWhere}: layers[${i}]`);
    return {
      name: blobName(descriptor.digest, `${manifestWhere}: layers[${i}]`),
      digest: descriptor.digest as string,
    };
  });
  const ids = diffIds(config, `${store.label}: config ${configDigest}`);
  if (ids.length !== layers.length) {
    throw new InputError(
      `${manifestWhere}: lists ${layers.length} layers but its config has ${ids.length} diff_ids`,
    );
  }
  return {
    config,
    configDigest,
    manifestDigest: chosen.descriptor.digest as string,
    layers,
    repoTags: chosen.refName ? [chosen.refName] : [],
  };
}

function imageConfig(selected: Selected, extraDigests: string[]): ImageConfig {
  const { config } = selected;
  const inner = (
    typeof config.config === 'object' && config.config !== null ? config.config : {}
  ) as Json;
  const labels = (
    typeof inner.Labels === 'object' && inner.Labels !== null ? inner.Labels : {}
  ) as Record<string, string>;
  const platform = platformOfConfig(config);
  return {
    os: platform.os,
    architecture: platform.architecture,
    variant: platform.variant,
    user: typeof inner.User === 'string' ? inner.User : '',
    env: stringList(inner.Env) ?? [],
    entrypoint: stringList(inner.Entrypoint),
    cmd: stringList(inner.Cmd),
    workingDir: typeof inner.WorkingDir === 'string' ? inner.WorkingDir : '',
    labels,
    id: selected.configDigest,
    digests: [
      ...new Set([...(selected.manifestDigest ? [selected.manifestDigest] : []), ...extraDigests]),
    ],
    repoTags: selected.repoTags,
  };
}

async function viewOfStore(
  store: ImageStore,
  source: string,
  options: OpenImageOptions,
  collector: FactCollector,
  engineFacts: { id: string; repoTags: string[]; repoDigests: string[] } | null,
): Promise<ImageView> {
  const platform = options.platform ? parsePlatform(options.platform) : null;
  const selected = store.has('manifest.json')
    ? await selectDockerArchive(store, platform)
    : store.has('index.json')
      ? await selectOci(store, platform)
      : null;
  if (!selected) {
    throw new InputError(
      `${store.label}: not an image archive: it has neither manifest.json nor index.json`,
    );
  }
  if (engineFacts) {
    if (selected.configDigest !== engineFacts.id) {
      throw new InputError(
        `${source}: the engine exported ${selected.configDigest}, not ${engineFacts.id}`,
      );
    }
    selected.repoTags = engineFacts.repoTags;
  }
  const layers: Layer[] = [];
  for (const [i, ref] of selected.layers.entries()) {
    layers.push(
      await store.readLayer(ref, `${store.label}: layer ${i + 1} of ${selected.layers.length}`),
    );
  }
  const files = await mergeLayers(layers, collector);
  return makeView(imageConfig(selected, engineFacts?.repoDigests ?? []), source, files);
}

/** A dockerode client for `dockerHost` (`unix://`, `tcp://`), or the default socket. */
export async function dockerClient(dockerHost: string | undefined): Promise<Docker> {
  const { default: Docker } = await import('dockerode');
  if (!dockerHost) return new Docker();
  if (dockerHost.startsWith('unix://'))
    return new Docker({ socketPath: dockerHost.slice('unix://'.length) });
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return new Docker({
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 2376 : 2375),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  });
}

async function openEngineImage(
  ref: string,
  dockerHost: string | undefined,
  options: OpenImageOptions,
): Promise<ImageView> {
  const where = dockerHost ?? process.env.DOCKER_HOST ?? 'the default Docker socket';
  const docker = await dockerClient(dockerHost);
  const collector = new FactCollector(options);
  const source = `engine:${ref}`;
  let inspect: Docker.ImageInspectInfo;
  try {
    inspect = await docker.getImage(ref).inspect();
  } catch (err) {
    const e = err as { statusCode?: number; message: string };
    if (e.statusCode === 404)
      throw new InputError(`image '${ref}' is not in the Docker Engine at ${where}`);
    throw new InputError(
      `cannot ask the Docker Engine at ${where} for image '${ref}': ${e.message}`,
    );
  }
  let stream: Readable;
  try {
    stream = (await docker.getImage(inspect.Id).get()) as Readable;
  } catch (err) {
    throw new InputError(
      `the Docker Engine at ${where} could not export '${ref}': ${(err as Error).message}`,
    );
  }
  let store: StreamStore;
  try {
    store = await StreamStore.read(stream, source, collector);
  } finally {
    // An export abandoned half-way would otherwise hold the connection (and the process) open.
    stream.destroy();
  }
  return viewOfStore(store, source, options, collector, {
    id: inspect.Id,
    repoTags: inspect.RepoTags ?? [],
    repoDigests: inspect.RepoDigests ?? [],
  });
}

function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, 512, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

async function openArchive(path: string, options: OpenImageOptions): Promise<ImageView> {
  const collector = new FactCollector(options);
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new InputError(`${path}: cannot read the archive: ${(err as Error).message}`);
  }
  if (stat.isDirectory()) {
    const isLayout = ['oci-layout', 'index.json', 'manifest.json'].some((name) =>
      statOrNull(join(path, name)),
    );
    if (!isLayout) return readRootfsFolder(path, `rootfs:${path}`, collector);
    const kind = statOrNull(join(path, 'manifest.json')) ? 'docker-archive' : 'oci-layout';
    const store = DiskStore.folder(path, `${kind}:${path}`, collector);
    try {
      return await viewOfStore(store, `${kind}:${path}`, options, collector, null);
    } finally {
      store.close();
    }
  }
  const head = readHead(path);
  if (sniffCompression(head) !== 'none') {
    // A compressed archive (`docker save | gzip`) cannot be read in place: one pass, as a stream.
    const source = `archive:${path}`;
    const file = createReadStream(path);
    let store: StreamStore;
    try {
      store = await StreamStore.read(
        decompress(file, sniffCompression(head), source),
        source,
        collector,
      );
    } finally {
      file.destroy();
    }
    return viewOfStore(store, source, options, collector, null);
  }
  if (!looksLikeTar(head)) {
    throw new InputError(
      `${path}: not an image archive: neither a tar (docker save, OCI archive) nor a folder`,
    );
  }
  const file = new DiskFile(path);
  try {
    const store = await DiskStore.tar(file, `archive:${path}`, collector);
    const kind = store.has('manifest.json')
      ? 'docker-archive'
      : store.has('index.json')
        ? 'oci-archive'
        : null;
    if (!kind) {
      throw new InputError(
        `${path}: not an image archive: a tar with neither manifest.json (docker save) nor index.json (OCI)`,
      );
    }
    store.label = `${kind}:${path}`;
    return await viewOfStore(store, store.label, options, collector, null);
  } finally {
    file.close();
  }
}

function statOrNull(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Opens an image for scanning; bad input gives one InputError, never a partial view. */
export async function openImage(
  source: ImageSourceSpec,
  options: OpenImageOptions = {},
): Promise<ImageView> {
  if (source.kind === 'engine') return openEngineImage(source.ref, source.dockerHost, options);
  if (source.kind === 'registry') {
    const collector = new FactCollector(options);
    return openRegistryImage(source, collector, (store, label) =>
      viewOfStore(store, label, options, collector, null),
    );
  }
  return openArchive(source.path, options);
}
