// Hand-made layers (written by Python's tarfile) for what `docker build` never writes: GNU long
// names, an opaque marker after its siblings, absolute and dotted names. The engine itself
// (`docker load`, then `docker export`) is the truth.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

import { dockerHost, engine, exportContainerFs } from '../support/engine.js';
import { openImage } from '../../src/image/index.js';
import {
  entriesOf,
  lines,
  listTar,
  packFolder,
  tempDir,
  withoutContainerAdditions,
  writeImage,
  type LayerSpec,
} from './support.js';

const LONG = 'L'.repeat(150);

const LAYERS: LayerSpec[] = [
  {
    format: 'gnu',
    entries: [
      { name: 'a/', t: 'd' },
      { name: `a/${LONG}`, t: 'f', data: 'long' },
      { name: 'a/sl', t: 'l', link: `/${LONG}/x`, mode: 0o644 },
      { name: 'x', t: 'f', data: 'xx', mode: 0o4755, uid: 7, gid: 8 },
      { name: 'x-link', t: 'h', link: 'x', mode: 0o4755, uid: 7, gid: 8 },
      { name: 'keep/', t: 'd' },
      { name: 'keep/one', t: 'f', data: '1' },
      { name: 'o/', t: 'd', mode: 0o700 },
      { name: 'o/old', t: 'f', data: 'old' },
      { name: 'dev-null', t: 'c', mode: 0o666 },
      { name: 'pipe', t: 'p' },
    ],
  },
  {
    format: 'pax',
    entries: [
      { name: 'o/', t: 'd', mode: 0o750 },
      { name: 'o/new', t: 'f', data: 'new' },
      // After its siblings: it still hides only the lower layers' entries.
      { name: 'o/.wh..wh..opq', t: 'f' },
      { name: '.wh.keep', t: 'f' },
      // An opaque marker in a directory no layer made: the directory is created (0755).
      { name: 'fresh/.wh..wh..opq', t: 'f' },
      { name: '/abs', t: 'f', data: 'abs' },
      { name: './a/../b', t: 'f', data: 'b' },
      { name: `a/${LONG}`, t: 'f', data: 'replaced', uid: 1000 },
      { name: 'ünï', t: 'f', data: 'u' },
    ],
  },
];

const TAG = 'exit139-guard-test/image-handmade:local';
let work = '';
let ready = false;

beforeAll(async () => {
  if (!(await engine('image: hand-made layers against docker load'))) return;
  work = tempDir('handmade');
  ready = true;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function docker(args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: dockerHost() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('hand-made layers', () => {
  test('GNU and PAX names, late opaque marker, absolute and dotted names: as docker load applies them', async () => {
    if (!ready) return;
    const archive = packFolder(
      writeImage(path.join(work, 'docker'), { kind: 'docker', tag: TAG, layers: LAYERS }),
    );
    docker(['load', '-i', archive]);
    await exportContainerFs(TAG, path.join(work, 'export.tar'));
    const view = await openImage({ kind: 'archive', path: archive }, {});
    const ours = entriesOf(view);
    ours.delete('/');
    const truth = withoutContainerAdditions(listTar(path.join(work, 'export.tar')), ours);
    expect(lines(ours)).toEqual(lines(truth));
    expect([...view.files.keys()].filter((p) => p.startsWith('/o'))).toEqual(['/o', '/o/new']);
    expect(view.files.get('/o')?.mode).toBe(0o750);
    expect(view.files.has('/keep')).toBe(false);
    expect(view.files.get('/fresh')).toMatchObject({ type: 'dir', mode: 0o755 });
    expect(view.files.get(`/a/${LONG}`)).toMatchObject({ size: 8, uid: 1000 });

    const oci = writeImage(path.join(work, 'oci'), {
      kind: 'oci',
      compress: 'gzip',
      tag: TAG,
      layers: LAYERS,
    });
    const fromOci = await openImage({ kind: 'archive', path: oci }, {});
    expect([...fromOci.files.values()]).toEqual([...view.files.values()]);
  });

  test('a hard link to a lower layer: resolved against the merged tree, though docker load (overlay2) refuses it', async () => {
    if (!ready) return;
    const layers: LayerSpec[] = [
      { format: 'ustar', entries: [{ name: 'x', t: 'f', data: 'xx', mode: 0o4755 }] },
      {
        format: 'ustar',
        entries: [{ name: 'y', t: 'h', link: 'x', mode: 0o4755, uid: 5, gid: 6 }],
      },
    ];
    const archive = packFolder(
      writeImage(path.join(work, 'cross'), { kind: 'docker', tag: `${TAG}-cross`, layers }),
    );
    expect(() => docker(['load', '-i', archive])).toThrow(
      /link \/x \/y: no such file or directory/,
    );
    const view = await openImage({ kind: 'archive', path: archive }, {});
    // The engine chowns the link, i.e. the shared inode, to the link header's owner.
    expect(view.files.get('/x')).toMatchObject({
      type: 'file',
      mode: 0o4755,
      uid: 5,
      gid: 6,
      size: 2,
      linkTarget: null,
      layer: 0,
    });
    expect(view.files.get('/y')).toMatchObject({
      type: 'file',
      mode: 0o4755,
      uid: 5,
      gid: 6,
      size: 2,
      linkTarget: '/x',
      layer: 1,
    });
  });

  test('a repeated layer saved once and symlinked (Docker <= 24): applied twice, on disk and streamed', async () => {
    if (!ready) return;
    const layer: LayerSpec = {
      format: 'ustar',
      entries: [{ name: 'counter', t: 'f', data: 'same' }],
    };
    const middle: LayerSpec = { format: 'ustar', entries: [{ name: '.wh.counter', t: 'f' }] };
    const folder = writeImage(path.join(work, 'repeated'), {
      kind: 'docker',
      tag: `${TAG}-repeated`,
      layers: [layer, middle, layer],
    });
    rmSync(path.join(folder, '2', 'layer.tar'));
    symlinkSync('../0/layer.tar', path.join(folder, '2', 'layer.tar'));
    const archive = packFolder(folder);
    docker(['load', '-i', archive]);
    await exportContainerFs(`${TAG}-repeated`, path.join(work, 'repeated-export.tar'));
    const truth = listTar(path.join(work, 'repeated-export.tar'));
    expect(truth.get('/counter')).toMatchObject({ type: 'file', size: 4 });

    execFileSync('gzip', ['-k', archive]);
    for (const source of [archive, `${archive}.gz`]) {
      const view = await openImage({ kind: 'archive', path: source }, {});
      expect(view.files.get('/counter')).toMatchObject({ type: 'file', size: 4, layer: 2 });
    }
  });
});
