/**
 * Test images derived from the committed demo archive, written with tar-stream in the formats
 * `docker save` produces, so that the action tests need no Docker Engine.
 */
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
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
