/**
 * Test images derived from the committed demo archive, written with tar-stream in the formats
 * `docker save` produces, so that the action tests need no Docker Engine.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';

/** Every entry of a tar stream, as name → bytes. */
async function readTar(input: NodeJS.ReadableStream | Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        files.set(header.name.replace(/^\.?\//, ''), Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  if (Buffer.isBuffer(input)) extract.end(input);
  else input.pipe(extract);
  await done;
  return files;
}

async function writeTar(entries: { name: string; data: Buffer; mode?: number }[]): Promise<Buffer> {
  // Names ending in '/' are directories.
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', resolve));
  for (const entry of entries) {
    const header = {
      name: entry.name,
      mode: entry.mode ?? 0o644,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
    };
    if (entry.name.endsWith('/')) pack.entry({ ...header, type: 'directory' });
    else pack.entry({ ...header, type: 'file' }, entry.data);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The bytes of `file` (e.g. `server`) from the layers of an OCI archive. */
export async function fileFromOciArchive(archive: string, file: string): Promise<Buffer> {
  const outer = await readTar(createReadStream(archive));
  const index = JSON.parse(outer.get('index.json')!.toString()) as {
    manifests: { digest: string }[];
  };
  const blob = (digest: string) => outer.get(`blobs/${digest.replace(':', '/')}`)!;
  const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString()) as {
    layers: { digest: string }[];
  };
  for (const layer of manifest.layers) {
    const found = (await readTar(gunzipSync(blob(layer.digest)))).get(file);
    if (found) return found;
  }
  throw new Error(`${file} is not in ${archive}`);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * A docker-archive (Docker ≤ 24 `docker save` layout) FROM scratch holding `count` copies of the
 * demo's cgo-linked /server as /usr/local/bin/worker-N, each of which fails on start, and the
 * Dockerfile that would have built it (one COPY line per copy).
 */
export async function writeManyBrokenBinariesImage(
  dir: string,
  demoArchive: string,
  count: number,
): Promise<{ archive: string; dockerfile: string }> {
  const server = await fileFromOciArchive(demoArchive, 'server');
  const workers = Array.from({ length: count }, (_, i) => `usr/local/bin/worker-${i + 1}`);
  const layer = await writeTar([
    { name: 'usr/', data: Buffer.alloc(0), mode: 0o755 },
    { name: 'usr/local/', data: Buffer.alloc(0), mode: 0o755 },
    { name: 'usr/local/bin/', data: Buffer.alloc(0), mode: 0o755 },
    ...workers.map((name) => ({ name, data: server, mode: 0o755 })),
  ]);
  const layerId = sha256(layer);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Entrypoint: ['/usr/local/bin/worker-1'],
    },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerId}`] },
    history: workers.map((w) => ({
      created_by: `COPY /out/worker /${w}`,
      empty_layer: w !== workers.at(-1),
    })),
  });
  const configName = `${sha256(config)}.json`;
  const archive = await writeTar([
    { name: `${layerId}/layer.tar`, data: layer },
    { name: `${layerId}/VERSION`, data: Buffer.from('1.0') },
    { name: configName, data: Buffer.from(config) },
    {
      name: 'manifest.json',
      data: Buffer.from(
        JSON.stringify([
          {
            Config: configName,
            RepoTags: ['acme/workers:pr-42'],
            Layers: [`${layerId}/layer.tar`],
          },
        ]),
      ),
    },
  ]);
  const archivePath = path.join(dir, 'workers.docker.tar');
  writeFileSync(archivePath, archive);
  const dockerfile = [
    'FROM golang:1.22 AS build',
    'WORKDIR /src',
    'COPY . .',
    'RUN go build -o /out/worker ./cmd/worker',
    '',
    'FROM scratch',
    ...workers.map((w) => `COPY --from=build /out/worker /${w}`),
    'ENTRYPOINT ["/usr/local/bin/worker-1"]',
    '',
  ].join('\n');
  return { archive: archivePath, dockerfile };
}

/**
 * An OCI layout folder like `docker buildx build --platform linux/amd64,linux/arm64 --output
 * type=oci` writes: an index with one manifest per platform. linux/amd64 is the demo image of
 * `demoArchive` (its blobs as they are); linux/arm64/v8 is an image with one layer holding
 * `/etc/hostname` and no program (nothing to find there).
 */
export async function writeTwoPlatformIndex(dir: string, demoArchive: string): Promise<string> {
  const outer = await readTar(createReadStream(demoArchive));
  const amd64 = (
    JSON.parse(outer.get('index.json')!.toString()) as {
      manifests: { mediaType: string; digest: string; size: number }[];
    }
  ).manifests[0]!;
  const layout = path.join(dir, 'multi');
  mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  const put = (data: Buffer | string): { digest: string; size: number } => {
    const hex = sha256(data);
    writeFileSync(path.join(layout, 'blobs', 'sha256', hex), data);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
  };
  for (const [name, data] of outer) if (name.startsWith('blobs/sha256/')) put(data);

  const layer = await writeTar([
    { name: 'etc/', data: Buffer.alloc(0), mode: 0o755 },
    { name: 'etc/hostname', data: Buffer.from('arm64\n') },
  ]);
  const layerBlob = put(layer);
  const config = put(
    JSON.stringify({
      architecture: 'arm64',
      variant: 'v8',
      os: 'linux',
      config: { Env: ['PATH=/usr/bin:/bin'] },
      rootfs: { type: 'layers', diff_ids: [layerBlob.digest] },
    }),
  );
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerBlob }],
    }),
  );
  writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: amd64.mediaType,
          digest: amd64.digest,
          size: amd64.size,
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
        },
      ],
    }),
  );
  return layout;
}

/** A rootfs folder (as `docker export` gives, unpacked) holding the demo's /server and /healthcheck. */
export async function writeDemoRootfs(dir: string, demoArchive: string): Promise<string> {
  const root = path.join(dir, 'rootfs');
  mkdirSync(root, { recursive: true });
  for (const name of ['server', 'healthcheck']) {
    writeFileSync(path.join(root, name), await fileFromOciArchive(demoArchive, name), {
      mode: 0o755,
    });
  }
  return root;
}
