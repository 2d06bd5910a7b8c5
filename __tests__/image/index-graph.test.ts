/**
 * OCI index graphs (issue 16, item 5): each blob is visited once (a graph 8 wide and 8 deep once
 * took 8^8 reads and was killed at 90 s), the walk is capped in depth and width, and every file a
 * folder's index opens is closed (thousands of indexes once gave EMFILE and a stack trace).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InputError } from '../../src/errors.js';
import { openImage } from '../../src/image/index.js';
import { MAX_INDEX_DEPTH, MAX_INDEX_DESCRIPTORS } from '../../src/image/open.js';
import { ociFiles, sha256, tar, writeFolder } from '../../scripts/fuzz/images.js';
import { bundleAction } from '../action/run-action.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
let work = '';

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'e139-index-graph-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A layout whose index.json is built by `top` from the descriptor of the image's manifest. */
function layout(
  name: string,
  top: (files: Map<string, Buffer>, manifest: unknown) => unknown,
): string {
  const files = ociFiles({
    layers: [tar([{ name: 'etc/hostname', data: 'box\n' }])],
    layerMediaType: 'application/vnd.oci.image.layer.v1.tar',
  });
  const manifest = JSON.parse(files.get('index.json')!.toString()).manifests[0];
  files.set('index.json', Buffer.from(JSON.stringify(top(files, manifest))));
  return writeFolder(path.join(work, name), files);
}

/** Adds an index blob listing `manifests`; returns its descriptor. */
function indexBlob(files: Map<string, Buffer>, manifests: unknown[], annotation = ''): unknown {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX,
      manifests,
      annotations: { n: annotation },
    }),
  );
  const hex = sha256(bytes);
  files.set(`blobs/sha256/${hex}`, bytes);
  return { mediaType: INDEX, digest: `sha256:${hex}`, size: bytes.length };
}

async function messageOf(folder: string): Promise<string> {
  const error = await openImage({ kind: 'archive', path: folder }).then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(InputError);
  return error!.message;
}

describe('the index graph of an OCI layout', () => {
  it('visits each index once: 8 wide and 8 deep opens at once', async () => {
    const folder = layout('diamonds', (files, manifest) => {
      let level = indexBlob(files, [manifest]);
      for (let depth = 0; depth < 7; depth++) level = indexBlob(files, Array(8).fill(level));
      return { schemaVersion: 2, manifests: Array(8).fill(level) };
    });
    const started = performance.now();
    const view = await openImage({ kind: 'archive', path: folder });
    expect(view.files.get('/etc/hostname')?.size).toBe(4);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it(`refuses indexes nested deeper than ${MAX_INDEX_DEPTH}`, async () => {
    const folder = layout('deep', (files, manifest) => {
      let level = indexBlob(files, [manifest]);
      for (let depth = 0; depth < MAX_INDEX_DEPTH; depth++) level = indexBlob(files, [level]);
      return { schemaVersion: 2, manifests: [level] };
    });
    expect(await messageOf(folder)).toMatch(
      new RegExp(`: index sha256:[0-9a-f]{64}: indexes nested more than ${MAX_INDEX_DEPTH} deep$`),
    );
  });

  it(`refuses indexes that list more than ${MAX_INDEX_DESCRIPTORS} descriptors in all`, async () => {
    const folder = layout('wide', (_, manifest) => ({
      schemaVersion: 2,
      manifests: Array(MAX_INDEX_DESCRIPTORS + 1).fill(manifest),
    }));
    expect(await messageOf(folder)).toBe(
      `oci-layout:${folder}: index.json: the indexes list more than ${MAX_INDEX_DESCRIPTORS} descriptors in all`,
    );
  });

  it('closes each index file it reads: 2000 distinct indexes under a limit of 256 open files', () => {
    const folder = layout('many', (files, manifest) => ({
      schemaVersion: 2,
      manifests: Array.from({ length: 2000 }, (_, i) => indexBlob(files, [manifest], String(i))),
    }));
    const bundle = bundleAction();
    try {
      const result = spawnSync(
        'bash',
        [
          '-c',
          'ulimit -n 256 && exec "$0" "$1" scan --archive "$2" --format json',
          process.execPath,
          path.join(bundle, 'cli.js'),
          folder,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  });
});
