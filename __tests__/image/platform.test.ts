// Choosing one image from a multi-platform OCI index: an amd64 image from the engine (the
// factory's alpine-like base) and a hand-made arm64 one, behind a nested index with an
// attestation manifest and a platform whose blobs were not exported (as containerd does).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

import { BASE, engine, ensureBaseImages, saveImage } from '../support/engine.js';
import { openImage } from '../../src/image/index.js';
import { InputError } from '../../src/errors.js';
import { skopeoCopy, tempDir, writeImage } from './support.js';

let work = '';
let layout = '';
let ready = false;

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function putBlob(dir: string, content: string): { digest: string; size: number } {
  const hex = createHash('sha256').update(content).digest('hex');
  writeFileSync(path.join(dir, 'blobs', 'sha256', hex), content);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(content) };
}

beforeAll(async () => {
  if (!(await engine('image platform choice'))) return;
  await ensureBaseImages(['alpineLike']);
  work = tempDir('platform');
  await saveImage(BASE.alpineLike, path.join(work, 'amd64.tar'));
  layout = path.join(work, 'layout');
  skopeoCopy(`docker-archive:${work}/amd64.tar`, `oci:${layout}:amd64`, 'gzip');
  const amd64 = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')).manifests[0];

  const arm = writeImage(path.join(work, 'arm64'), {
    kind: 'oci',
    compress: 'gzip',
    tag: 'arm64',
    architecture: 'arm64',
    layers: [{ format: 'pax', entries: [{ name: 'arch', t: 'f', data: 'arm64\n' }] }],
  });
  for (const blob of readdirSync(path.join(arm, 'blobs', 'sha256'))) {
    copyFileSync(
      path.join(arm, 'blobs', 'sha256', blob),
      path.join(layout, 'blobs', 'sha256', blob),
    );
  }
  const arm64 = JSON.parse(readFileSync(path.join(arm, 'index.json'), 'utf8')).manifests[0];

  const attestation = putBlob(
    layout,
    JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, layers: [] }),
  );
  const nested = putBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: [
        { ...amd64, annotations: undefined, platform: { os: 'linux', architecture: 'amd64' } },
        {
          ...arm64,
          annotations: undefined,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
        {
          mediaType: MANIFEST,
          ...attestation,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
        {
          // Listed, but its blobs were not exported (containerd's WithSkipMissing).
          mediaType: MANIFEST,
          digest: `sha256:${'0'.repeat(64)}`,
          size: 500,
          platform: { os: 'linux', architecture: 'ppc64le' },
        },
      ],
    }),
  );
  writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: INDEX, ...nested }] }),
  );
  ready = true;
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('platform choice in a multi-platform index', () => {
  test('picks the asked platform', async () => {
    if (!ready) return;
    const arm = await openImage({ kind: 'archive', path: layout }, { platform: 'linux/arm64' });
    expect(arm.config).toMatchObject({ os: 'linux', architecture: 'arm64' });
    expect([...arm.files.keys()]).toEqual(['/', '/arch']);
    const armV8 = await openImage(
      { kind: 'archive', path: layout },
      { platform: 'linux/arm64/v8' },
    );
    expect([...armV8.files.keys()]).toEqual(['/', '/arch']);
    const amd = await openImage({ kind: 'archive', path: layout }, { platform: 'linux/amd64' });
    expect(amd.config.architecture).toBe('amd64');
    expect(amd.files.get('/bin/busybox')?.type).toBe('file');
  });

  test("with none asked, this machine's platform", async () => {
    if (!ready) return;
    const machine = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
    const goarch = ({ x86_64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[machine];
    const view = await openImage({ kind: 'archive', path: layout }, {});
    expect(view.config.architecture).toBe(goarch);
  });

  test('names the platforms there are when the asked one is absent', async () => {
    if (!ready) return;
    await expect(
      openImage({ kind: 'archive', path: layout }, { platform: 'linux/s390x' }),
    ).rejects.toThrow(
      new InputError(
        `oci-layout:${layout}: has no image for platform linux/s390x; it has: linux/amd64, linux/arm64/v8, linux/ppc64le`,
      ),
    );
    await expect(
      openImage({ kind: 'archive', path: layout }, { platform: 'linux/arm/v7' }),
    ).rejects.toThrow(
      'has no image for platform linux/arm/v7; it has: linux/amd64, linux/arm64/v8, linux/ppc64le',
    );
  });

  test('a platform listed without its blobs is a missing-blob error', async () => {
    if (!ready) return;
    await expect(
      openImage({ kind: 'archive', path: layout }, { platform: 'linux/ppc64le' }),
    ).rejects.toThrow(
      new InputError(
        `oci-layout:${layout}: manifest sha256:${'0'.repeat(64)}: blobs/sha256/${'0'.repeat(64)} is missing from oci-layout:${layout}`,
      ),
    );
  });

  test('with none asked and one image for another platform: that image', async () => {
    if (!ready) return;
    const view = await openImage({ kind: 'archive', path: path.join(work, 'arm64') }, {});
    expect(view.config.architecture).toBe('arm64');
    // One image is returned even when another platform is asked: its config tells the rules.
    const asked = await openImage(
      { kind: 'archive', path: path.join(work, 'arm64') },
      { platform: 'linux/amd64' },
    );
    expect(asked.config.architecture).toBe('arm64');
  });
});
