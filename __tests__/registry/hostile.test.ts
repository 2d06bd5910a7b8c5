import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { InputError } from '../../src/errors.js';
import { scan } from '../../src/scan.js';

/**
 * A registry that lies or stalls (a loopback server of our own, speaking the Distribution API):
 * every case ends in one InputError that says what the registry did, within the limits, and
 * never in a hang or a report.
 */
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function layerTar(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'app', mode: 0o755 }, '#!/bin/sh\necho hi\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Image {
  manifest: Buffer;
  config: Buffer;
  layer: Buffer;
}

async function makeImage(layerSize?: number): Promise<Image> {
  const plain = await layerTar();
  const layer = gzipSync(plain);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/app'] },
      rootfs: { type: 'layers', diff_ids: [sha256(plain)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(layer),
          size: layerSize ?? layer.length,
        },
      ],
    }),
  );
  return { manifest, config, layer };
}

let server: http.Server;
let host = '';
let good: Image;
let endless: Image;
let tokens = 0;
let corruptClosed = false;
const sockets = new Set<import('node:net').Socket>();

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function serveImage(image: Image, path: string, res: http.ServerResponse, layer?: () => void) {
  if (path.endsWith('/manifests/t')) {
    res.writeHead(200, {
      'content-type': OCI_MANIFEST,
      'docker-content-digest': sha256(image.manifest),
    });
    res.end(image.manifest);
  } else if (path.endsWith(sha256(image.config))) {
    res.writeHead(200);
    res.end(image.config);
  } else if (layer) layer();
  else {
    res.writeHead(200);
    res.end(image.layer);
  }
}

beforeAll(async () => {
  good = await makeImage();
  endless = await makeImage(1024 * 1024);
  server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const repo = path === '/token' ? 'auth-loop' : path.split('/')[2];
    switch (repo) {
      case 'good':
        return serveImage(good, path, res);
      case 'lying-tag':
        // Says one digest, sends other bytes.
        res.writeHead(200, {
          'content-type': OCI_MANIFEST,
          'docker-content-digest': sha256('other'),
        });
        return res.end(good.manifest);
      case 'lying-layer':
        return serveImage(good, path, res, () => {
          const forged = Buffer.from(good.layer);
          forged[forged.length - 20] ^= 0xff;
          res.writeHead(200);
          res.end(forged);
        });
      case 'huge-manifest': {
        // 100 MB, announced.
        res.writeHead(200, {
          'content-type': OCI_MANIFEST,
          'content-length': String(100 * 1024 * 1024),
        });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 100 && res.write(chunk)) sent++;
          if (sent < 100) res.once('drain', pump);
          else res.end();
        };
        res.on('close', () => (sent = 100));
        return pump();
      }
      case 'huge-chunked': {
        // 100 MB, streamed without a length.
        res.writeHead(200, { 'content-type': OCI_MANIFEST });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        let closed = false;
        res.on('close', () => (closed = true));
        const pump = () => {
          while (!closed && sent < 100 && res.write(chunk)) sent++;
          if (!closed && sent < 100) res.once('drain', pump);
          else res.end();
        };
        return pump();
      }
      case 'endless-layer':
        return serveImage(endless, path, res, () => {
          // A layer that never ends: the descriptor says 1 MiB, the body goes on forever.
          res.writeHead(200);
          let closed = false;
          res.on('close', () => (closed = true));
          const chunk = Buffer.alloc(64 * 1024);
          const pump = () => {
            while (!closed && res.write(chunk));
            if (!closed) res.once('drain', pump);
          };
          pump();
        });
      case 'stalled-layer':
        return serveImage(good, path, res, () => {
          res.writeHead(200, { 'content-length': String(good.layer.length) });
          res.write(good.layer.subarray(0, 10));
        });
      case 'corrupt-layer':
        return serveImage(endless, path, res, () => {
          // gzip magic, then garbage, and the connection held open: the reader must close it.
          res.writeHead(200);
          res.write(
            Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(4096, 0xa5)]),
          );
          res.on('close', () => (corruptClosed = true));
        });
      case 'trickled-layer':
        return serveImage(endless, path, res, () => {
          // One byte every 50 ms of a layer that states 1 MiB: never idle, never done.
          res.writeHead(200);
          const timer = setInterval(() => res.write(Buffer.alloc(1)), 50);
          res.on('close', () => clearInterval(timer));
        });
      case 'stalled':
        return; // never answers
      case 'redirect-loop':
        res.writeHead(302, { location: req.url });
        return res.end();
      case 'auth-loop':
        if (path === '/token') {
          tokens++;
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ token: `t${tokens}` }));
        }
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="http://${host}/token",service="test",scope="repository:auth-loop:pull"`,
        });
        return res.end();
      default:
        res.writeHead(404);
        res.end(
          '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}',
        );
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((r) => server.close(r));
});

const LIMITS = { requestTimeoutMs: 1000, idleTimeoutMs: 1000, totalTimeoutMs: 2000 };

async function failure(repo: string): Promise<{ message: string; ms: number }> {
  const started = Date.now();
  try {
    await scan({
      source: { kind: 'registry', ref: `${host}/${repo}:t`, insecure: true, limits: LIMITS },
    });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return { message: (error as Error).message, ms: Date.now() - started };
  }
  throw new Error(`${repo}: scanned without an error`);
}

describe('a registry that lies or stalls', () => {
  it('a corrupt layer: one error, and its connection closed at once', async () => {
    const { message } = await failure('corrupt-layer');
    expect(message).toMatch(
      new RegExp(
        `^registry:${host}/corrupt-layer:t: layer 1 of 1: blob sha256:[0-9a-f]{64}: corrupt gzip data: `,
      ),
    );
    const deadline = Date.now() + 2000;
    while (!corruptClosed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(corruptClosed).toBe(true);
  });

  it('serves the honest image (the baseline the others break)', async () => {
    const report = await scan({
      source: { kind: 'registry', ref: `${host}/good:t`, insecure: true, limits: LIMITS },
    });
    expect(report.image.digest).toBe(sha256(good.manifest));
    expect(report.summary.files).toBe(1);
  });

  it.each([
    [
      'lying-tag',
      (h: string) =>
        `registry ${h}/lying-tag: manifest t: the registry's answer does not match its digest ${sha256('other')}: the bytes hash to ${sha256(good.manifest)}`,
    ],
    [
      'lying-layer',
      (h: string) =>
        `registry:${h}/lying-layer:t: layer 1 of 1: blob ${sha256(good.layer)}: the registry's blob does not match its digest: its bytes hash to sha256:`,
    ],
    [
      'huge-manifest',
      (h: string) =>
        `registry ${h}/huge-manifest: manifest t: the registry sends a manifest of 104857600 bytes; manifests larger than 4 MiB are refused`,
    ],
    [
      'huge-chunked',
      (h: string) =>
        `registry ${h}/huge-chunked: manifest t: the manifest is larger than 4 MiB; manifests that large are refused`,
    ],
    [
      'endless-layer',
      (h: string) =>
        `registry:${h}/endless-layer:t: layer 1 of 1: blob ${sha256(endless.layer)}: the registry sends more than the 1048576 bytes the manifest states; stopped reading`,
    ],
    [
      'stalled-layer',
      (h: string) =>
        `registry:${h}/stalled-layer:t: layer 1 of 1: blob ${sha256(good.layer)}: the registry sent nothing for 1 s; gave up`,
    ],
    [
      'trickled-layer',
      (h: string) =>
        `registry:${h}/trickled-layer:t: layer 1 of 1: blob ${sha256(endless.layer)}: the registry took longer than 2 s in all; gave up`,
    ],
    ['stalled', (h: string) => `registry ${h}/stalled: manifest t: no answer from ${h} within 1 s`],
    [
      'redirect-loop',
      (h: string) =>
        `registry ${h}/redirect-loop: manifest t: more than 5 redirects (the last to http://${h}/v2/redirect-loop/manifests/t); a redirect loop?`,
    ],
    [
      'auth-loop',
      (h: string) =>
        `registry ${h}/auth-loop: manifest t: the registry still answers 401 Unauthorized after 3 attempts: give credentials`,
    ],
    [
      'missing',
      (h: string) =>
        `registry ${h}/missing: manifest t: not found in the registry (404: repository name not known to registry)`,
    ],
  ])('%s', async (repo, expected) => {
    const { message, ms } = await failure(repo);
    expect(message).toContain(expected(host));
    expect(ms).toBeLessThan(5000);
  });
});
