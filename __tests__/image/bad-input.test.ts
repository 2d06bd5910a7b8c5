// Bad input gives one InputError that names the file and the place, never a partial view.
// The archives are written by Python's tarfile (not by our code), then damaged.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { InputError } from '../../src/errors.js';
import { openImage } from '../../src/image/index.js';
import type { ElfFacts } from '../../src/elf/types.js';
import { packFolder, tempDir, writeImage, type ImageSpec, type LayerSpec } from './support.js';

let work = '';
let counter = 0;

beforeAll(() => {
  work = tempDir('bad');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const SIMPLE: LayerSpec[] = [
  {
    format: 'ustar',
    entries: [
      { name: 'etc/', t: 'd' },
      { name: 'etc/passwd', t: 'f', data: 'root:x:0:0::/:/bin/sh\n' },
    ],
  },
  { format: 'ustar', entries: [{ name: 'app', t: 'f', data: 'x'.repeat(2000) }] },
];

function image(spec: Omit<ImageSpec, 'tag'>): string {
  return writeImage(path.join(work, `img${++counter}`), { tag: 'bad:1', ...spec });
}

async function inputError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as Error).message;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function ociIndex(layout: string): { manifest: string; config: string; layers: string[] } {
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const manifest: string = index.manifests[0].digest.split(':')[1];
  const m = JSON.parse(readFileSync(path.join(layout, 'blobs', 'sha256', manifest), 'utf8'));
  return {
    manifest,
    config: m.config.digest.split(':')[1],
    layers: m.layers.map((l: { digest: string }) => l.digest.split(':')[1]),
  };
}

/** Offsets of each member of a tar, as Python's tarfile reads them. */
function members(tar: string): { name: string; offset: number; data: number; size: number }[] {
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import json,sys,tarfile\nfor m in tarfile.open(sys.argv[1]): print(json.dumps([m.name.lstrip("./"), m.offset, m.offset_data, m.size]))',
      tar,
    ],
    { encoding: 'utf8' },
  );
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [name, offset, data, size] = JSON.parse(line) as [string, number, number, number];
      return { name, offset, data, size };
    });
}

describe('bad input', () => {
  test('not an archive', async () => {
    const text = path.join(work, 'notes.txt');
    writeFileSync(text, 'hello\n');
    expect(await inputError(openImage({ kind: 'archive', path: text }, {}))).toBe(
      `${text}: not an image archive: neither a tar (docker save, OCI archive) nor a folder`,
    );
    const empty = path.join(work, 'empty.tar');
    writeFileSync(empty, '');
    expect(await inputError(openImage({ kind: 'archive', path: empty }, {}))).toBe(
      `${empty}: not an image archive: neither a tar (docker save, OCI archive) nor a folder`,
    );
    const plainTar = path.join(work, 'plain.tar');
    execFileSync('tar', ['-cf', plainTar, '-C', work, 'notes.txt']);
    expect(await inputError(openImage({ kind: 'archive', path: plainTar }, {}))).toBe(
      `${plainTar}: not an image archive: a tar with neither manifest.json (docker save) nor index.json (OCI)`,
    );
    const missing = path.join(work, 'nope.tar');
    expect(await inputError(openImage({ kind: 'archive', path: missing }, {}))).toBe(
      `the archive ${missing}: does not exist`,
    );
  });

  test('a truncated docker-save tar: the cut entry, its offset and size', async () => {
    const tar = packFolder(image({ kind: 'docker', layers: SIMPLE }));
    const layer = members(tar).find((m) => m.name === '1/layer.tar');
    if (!layer) throw new Error('no 1/layer.tar in the archive');
    truncateSync(tar, layer.data + 700);
    expect(await inputError(openImage({ kind: 'archive', path: tar }, {}))).toBe(
      `archive:${tar}: tar entry './1/layer.tar' at offset ${layer.offset}: truncated tar: ` +
        `the entry declares ${layer.size} bytes but only 700 remain`,
    );
  });

  test('a truncated layer: the cut entry inside the layer', async () => {
    const layout = image({ kind: 'oci', layers: SIMPLE });
    const blob = path.join(layout, 'blobs', 'sha256', ociIndex(layout).layers[1]);
    truncateSync(blob, 512 + 100);
    expect(await inputError(openImage({ kind: 'archive', path: layout }, {}))).toBe(
      `oci-layout:${layout} layer blobs/sha256/${path.basename(blob)}: tar entry 'app' at offset 0: ` +
        'truncated tar: the entry declares 2000 bytes but only 100 remain',
    );
  });

  test('a truncated gzip layer', async () => {
    const layout = image({ kind: 'oci', compress: 'gzip', layers: SIMPLE });
    const { layers } = ociIndex(layout);
    truncateSync(path.join(layout, 'blobs', 'sha256', layers[1]), 30);
    expect(await inputError(openImage({ kind: 'archive', path: layout }, {}))).toBe(
      `oci-layout:${layout}: layer 2 of 2 (blobs/sha256/${layers[1]}): corrupt gzip data: unexpected end of file`,
    );
  });

  test('a missing blob', async () => {
    const layout = image({ kind: 'oci', layers: SIMPLE });
    const { manifest, config } = ociIndex(layout);
    rmSync(path.join(layout, 'blobs', 'sha256', config));
    expect(await inputError(openImage({ kind: 'archive', path: layout }, {}))).toBe(
      `oci-layout:${layout}: manifest sha256:${manifest}: config: blobs/sha256/${config} is missing from oci-layout:${layout}`,
    );
  });

  test('a manifest naming a layer that is not there', async () => {
    const folder = image({ kind: 'docker', layers: SIMPLE });
    const manifest = JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    manifest[0].Layers[1] = '9/layer.tar';
    writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifest));
    const tar = packFolder(folder);
    expect(await inputError(openImage({ kind: 'archive', path: tar }, {}))).toBe(
      `docker-archive:${tar}: layer 2 of 2: 9/layer.tar is missing from docker-archive:${tar}`,
    );
    const layout = image({ kind: 'oci', compress: 'gzip', layers: SIMPLE });
    const { layers } = ociIndex(layout);
    rmSync(path.join(layout, 'blobs', 'sha256', layers[0]));
    expect(await inputError(openImage({ kind: 'archive', path: layout }, {}))).toBe(
      `oci-layout:${layout}: layer 1 of 2: blobs/sha256/${layers[0]} is missing from oci-layout:${layout}`,
    );
  });

  test('a blob whose sha256 does not match its digest', async () => {
    const layout = image({ kind: 'oci', compress: 'gzip', layers: SIMPLE });
    const { manifest, config } = ociIndex(layout);
    const configFile = path.join(layout, 'blobs', 'sha256', config);
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('amd64', 'arm64'));
    expect(await inputError(openImage({ kind: 'archive', path: layout }, {}))).toBe(
      `oci-layout:${layout}: manifest sha256:${manifest}: config: blob blobs/sha256/${config} does not ` +
        `match its digest sha256:${config}: its content hashes to sha256:${sha256(configFile)}`,
    );

    const other = image({ kind: 'oci', compress: 'gzip', layers: SIMPLE });
    const { layers: otherLayers } = ociIndex(other);
    const blobs = path.join(other, 'blobs', 'sha256');
    // Layer 2's file now holds layer 1's bytes: a valid gzip tar, under the wrong digest.
    writeFileSync(path.join(blobs, otherLayers[1]), readFileSync(path.join(blobs, otherLayers[0])));
    expect(await inputError(openImage({ kind: 'archive', path: other }, {}))).toBe(
      `oci-layout:${other}: layer 2 of 2: blob blobs/sha256/${otherLayers[1]} does not match its digest ` +
        `sha256:${otherLayers[1]}: its content hashes to sha256:${otherLayers[0]}`,
    );
  });

  test("a docker-save layer whose content is not its config's diff_id (read as a stream)", async () => {
    const folder = image({ kind: 'docker', layers: SIMPLE });
    const layer = path.join(folder, '1', 'layer.tar');
    const diffId = sha256(layer);
    writeFileSync(layer, readFileSync(layer).toString('latin1').replace('xxxx', 'yyyy'), 'latin1');
    const tar = packFolder(folder);
    execFileSync('gzip', ['-k', tar]);
    expect(await inputError(openImage({ kind: 'archive', path: `${tar}.gz` }, {}))).toBe(
      `archive:${tar}.gz: layer 2 of 2: blob 1/layer.tar does not match its digest sha256:${diffId}: ` +
        `its content hashes to sha256:${sha256(layer)}`,
    );
  });

  test('entries that climb out of the root are refused; absolute ones are taken from the root', async () => {
    const outside = path.join(work, 'written-outside');
    const climbing = packFolder(
      image({
        kind: 'docker',
        layers: [
          { format: 'pax', entries: [{ name: `../../../..${outside}`, t: 'f', data: 'x' }] },
        ],
      }),
    );
    expect(await inputError(openImage({ kind: 'archive', path: climbing }, {}))).toBe(
      `docker-archive:${climbing} layer 0/layer.tar: tar entry '../../../..${outside}' at offset 0: ` +
        `path '../../../..${outside}' points outside the image root`,
    );
    const linking = packFolder(
      image({
        kind: 'docker',
        layers: [{ format: 'ustar', entries: [{ name: 'l', t: 'h', link: '../etc/shadow' }] }],
      }),
    );
    expect(await inputError(openImage({ kind: 'archive', path: linking }, {}))).toBe(
      `docker-archive:${linking} layer 0/layer.tar: tar entry 'l' at offset 0: hard link target: ` +
        "path '../etc/shadow' points outside the image root",
    );
    const absolute = image({
      kind: 'docker',
      layers: [{ format: 'ustar', entries: [{ name: outside, t: 'f', data: 'x' }] }],
    });
    const view = await openImage({ kind: 'archive', path: absolute }, {});
    expect(view.files.get(outside)?.size).toBe(1);
    expect(existsSync(outside)).toBe(false);
  });

  test('device files are metadata only', async () => {
    const folder = image({
      kind: 'docker',
      layers: [
        {
          format: 'ustar',
          entries: [
            { name: 'dev/', t: 'd' },
            { name: 'dev/null', t: 'c', mode: 0o666 },
          ],
        },
      ],
    });
    const view = await openImage({ kind: 'archive', path: folder }, {});
    expect(view.files.get('/dev/null')).toMatchObject({
      type: 'char',
      mode: 0o666,
      size: 0,
      content: null,
      elf: null,
    });
  });

  test('a header claiming a 100 GB file, on disk and in a stream', async () => {
    const big = 100 * 1024 ** 3;
    const entries = [
      { name: 'big', t: 'f' as const, data: '\x7fELF' + 'z'.repeat(12), claim: big },
    ];
    const onDisk = image({ kind: 'docker', layers: [{ format: 'gnu', entries }] });
    expect(await inputError(openImage({ kind: 'archive', path: onDisk }, {}))).toBe(
      `docker-archive:${onDisk} layer 0/layer.tar: tar entry 'big' at offset 0: truncated tar: ` +
        `the entry declares ${big} bytes but only 16 remain`,
    );
    const streamed = image({ kind: 'oci', compress: 'gzip', layers: [{ format: 'pax', entries }] });
    const analyzeElf = (): ElfFacts => {
      throw new Error('a 100 GB file must never reach the analyzer');
    };
    expect(await inputError(openImage({ kind: 'archive', path: streamed }, { analyzeElf }))).toBe(
      `oci-layout:${streamed}: layer 1 of 1: truncated tar: the body of 'big' (offset 1536, ${big} bytes) ` +
        'is cut short at 1552',
    );
  });

  test('an ELF file the analyzer cannot parse keeps its error, and the others their facts', async () => {
    const folder = image({
      kind: 'docker',
      layers: [
        {
          format: 'ustar',
          entries: [
            { name: 'good', t: 'f', data: '\x7fELF good' },
            { name: 'bad', t: 'f', data: '\x7fELF bad' },
          ],
        },
      ],
    });
    const analyzeElf = (bytes: Uint8Array, p: string): ElfFacts => {
      if (p === '/bad') throw new Error('bad ELF header at offset 0x4');
      return { size: bytes.length } as ElfFacts;
    };
    const view = await openImage({ kind: 'archive', path: folder }, { analyzeElf });
    expect(view.files.get('/good')).toMatchObject({ elf: { size: 9 }, elfError: null });
    expect(view.files.get('/bad')).toMatchObject({
      elf: null,
      elfError: 'bad ELF header at offset 0x4',
    });
  });
});

test('a folder without files is an error, never an image that scans clean', async () => {
  const empty = path.join(work, 'empty-rootfs');
  mkdirSync(empty);
  const hollow = path.join(work, 'hollow-rootfs');
  mkdirSync(path.join(hollow, 'usr/bin'), { recursive: true });
  symlinkSync('/nowhere', path.join(hollow, 'app'));
  for (const folder of [empty, hollow])
    expect(await inputError(openImage({ kind: 'archive', path: folder }))).toBe(
      `rootfs:${folder}: the folder has no files; expected a root filesystem (docker export, or an image's unpacked layers)`,
    );
});
