/**
 * Decompression bombs (issue 16, item 4), each the smallest input of its kind: memory stays
 * bounded by design and each documented limit gives one clear message. The full-size bombs
 * (2 GiB zstd, 3 GiB ELF, 80 × 16 MiB entries) run in the fuzz harness, which measures RSS.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeElf, parseElf } from '../../src/elf/index.js';
import { InputError } from '../../src/errors.js';
import { IN_MEMORY_ELF_MAX, KEPT_CONTENT_MAX } from '../../src/image/facts.js';
import { openImage } from '../../src/image/index.js';
import { MAX_KEPT_JSON_TOTAL } from '../../src/image/store.js';
import {
  type GzipSegment,
  gzipSegments,
  ociFiles,
  tar,
  tarHeader,
  writeTar,
  zstdRle,
} from '../../scripts/fuzz/images.js';

const MiB = 1024 * 1024;
let work = '';

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'e139-bombs-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const ANALYZERS = { analyzeElf, analyzeElfRanges: parseElf };

async function messageOf(archive: string): Promise<string> {
  const error = await openImage({ kind: 'archive', path: archive }, ANALYZERS).then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(InputError);
  return error!.message;
}

function zstdArchive(name: string, layer: Buffer): string {
  return writeTar(
    path.join(work, name),
    ociFiles({ layers: [layer], layerMediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' }),
  );
}

describe('zstd', () => {
  it('refuses a frame that declares a window over 8 MiB before the decoder allocates it', async () => {
    const archive = zstdArchive('wide.tar', zstdRle(1024, { windowLog: 24 }));
    expect(await messageOf(archive)).toMatch(
      /^oci-archive:.*wide\.tar: layer 1 of 1 \(blobs\/sha256\/[0-9a-f]{64}\): a zstd frame at offset 0 declares a 16 MiB window; the largest read is 8 MiB \(recompress without --long or --ultra\)$/,
    );
  });

  it('reads a frame with an 8 MiB window (the healthy twin)', async () => {
    const content = tar([{ name: 'etc/hostname', data: 'box\n' }]);
    const archive = zstdArchive('ok.tar', zstdRle(0, { windowLog: 23, prefix: content }));
    const view = await openImage({ kind: 'archive', path: archive }, ANALYZERS);
    expect(view.files.get('/etc/hostname')?.size).toBe(4);
  });
});

describe('streamed files', () => {
  it('an ELF file over the in-memory limit is read by ranges from a temporary copy, as from disk', async () => {
    const elf = readFileSync('/bin/true');
    const size = IN_MEMORY_ELF_MAX + 1;
    const header = tarHeader('app', { size, mode: 0o755 });
    const padding = size - elf.length + ((512 - (size % 512)) % 512) + 1024;
    const gzipped = writeTar(
      path.join(work, 'big-elf.gz.tar'),
      ociFiles({ layers: [gzipSegments([header, elf, { zeros: padding }])] }),
    );
    const plainLayer = Buffer.concat([header, elf, Buffer.alloc(padding)]);
    const plain = writeTar(
      path.join(work, 'big-elf.tar'),
      ociFiles({ layers: [plainLayer], layerMediaType: 'application/vnd.oci.image.layer.v1.tar' }),
    );
    const spillsBefore = readdirSync(os.tmpdir()).filter((n) => n.startsWith('exit139-guard-elf-'));
    const streamed = (await openImage({ kind: 'archive', path: gzipped }, ANALYZERS)).files.get(
      '/app',
    )!;
    const onDisk = (await openImage({ kind: 'archive', path: plain }, ANALYZERS)).files.get(
      '/app',
    )!;
    expect(streamed.elfError).toBeNull();
    expect(streamed.elf).not.toBeNull();
    expect(streamed.elf).toEqual(onDisk.elf);
    // The temporary copy is gone.
    expect(readdirSync(os.tmpdir()).filter((n) => n.startsWith('exit139-guard-elf-'))).toEqual(
      spillsBefore,
    );
  });

  it('a file the checks read whole (/etc/passwd) over its limit is an input error', async () => {
    const size = KEPT_CONTENT_MAX + 1;
    const layer = gzipSegments([
      tarHeader('etc/passwd', { size }),
      Buffer.from('root:x:0:0::/:/bin/sh\n'),
      { zeros: size - 22 + ((512 - (size % 512)) % 512) + 1024 },
    ]);
    const archive = writeTar(path.join(work, 'passwd.tar'), ociFiles({ layers: [layer] }));
    expect(await messageOf(archive)).toBe(
      `/etc/passwd is ${size} bytes; files the checks read whole are limited to ${KEPT_CONTENT_MAX} bytes`,
    );
  });
});

describe('a streamed docker save', () => {
  it('keeps at most 64 MiB of JSON files in all', async () => {
    const segments: GzipSegment[] = [];
    for (let i = 0; i < 5; i++) {
      segments.push(tarHeader(`junk${i}.json`, { size: 16 * MiB }), Buffer.from('{'), {
        zeros: 16 * MiB - 1,
      });
    }
    segments.push(tar([{ name: 'manifest.json', data: '[]' }]));
    const archive = path.join(work, 'save.tar.gz');
    writeFileSync(archive, gzipSegments(segments));
    expect(await messageOf(archive)).toBe(
      `archive:${archive}: tar entry 'junk4.json': the archive's JSON files add up to more than ${MAX_KEPT_JSON_TOTAL} bytes`,
    );
  });

  it('passes over entries that are neither tars nor JSON, keeping nothing of them', async () => {
    const segments: GzipSegment[] = [];
    for (let i = 0; i < 6; i++) {
      segments.push(tarHeader(`junk${i}`, { size: 16 * MiB }), Buffer.from('x'), {
        zeros: 16 * MiB - 1,
      });
    }
    segments.push(tar([{ name: 'manifest.json', data: '[{"Config":"junk0","Layers":[]}]' }]));
    const archive = path.join(work, 'save-x.tar.gz');
    writeFileSync(archive, gzipSegments(segments));
    expect(await messageOf(archive)).toBe(
      `archive:${archive}: manifest.json[0] config: junk0 is not JSON`,
    );
  });
});
