// The merged view of real images, built by the real engine, against what the engine itself
// exports from a container of that image; and the same image through every way in.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  BASE,
  dockerHost,
  dockerBuild,
  engine,
  ensureBaseImages,
  exportContainerFs,
  runContainer,
  saveImage,
} from '../support/engine.js';
import { openImage } from '../../src/image/index.js';
import type { ImageView, Resolution } from '../../src/image/types.js';
import {
  entriesOf,
  FINGERPRINT,
  fullLines,
  lines,
  listTar,
  sh,
  skopeoCopy,
  tempDir,
  withoutContainerAdditions,
  type Entry,
} from './support.js';

const LONG_DIR = `/${'n'.repeat(120)}/${'m'.repeat(120)}`;

// Every layer exercises something the merge must get right; comments name it.
const DOCKERFILE = `
FROM ${BASE.alpineLike}
# 1: what later layers delete, replace and link to
RUN mkdir -p /data/keep /data/gone /opq/sub /opq2/sub /swap2 \\
 && echo a > /data/gone/f && echo b > /data/keep/f \\
 && echo c > /opq/sub/x && echo d > /opq/y && echo c2 > /opq2/sub/x \\
 && echo e > /swap && echo f > /swap2/inner \\
 && echo g > /hl-src && ln /hl-src /hl-same && chown 12:34 /hl-src && chmod 4750 /hl-src \\
 && printf '#!/bin/sh -e\\necho hi\\n' > /script.sh && chmod 755 /script.sh \\
 && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
# 2: deletion across layers, opaque directory (rm -rf + mkdir in one layer), file -> dir,
#    dir -> file, hard link to a lower layer's file, a directory deleted for good
RUN rm -rf /data/gone /opq && mkdir -p /opq/new && echo n > /opq/new/z \\
 && rm /swap && mkdir /swap && echo s > /swap/child \\
 && rm -rf /swap2 && echo now-a-file > /swap2 \\
 && ln /hl-src /hl-cross \\
 && rm -rf /opq2
# 3: dir back to a file, a deleted dir recreated, symlinks (loop, directory, absolute, climbing),
#    special files, long and non-ASCII names (PAX headers)
RUN rm -rf /swap && echo back > /swap \\
 && mkdir -p /opq2 && echo fresh > /opq2/only \\
 && ln -s loop-b /loop-a && ln -s loop-a /loop-b \\
 && mkdir -p /usr/lib64real && printf '\\177ELF-not-really' > /usr/lib64real/ld.so \\
 && ln -s usr/lib64real /lib64 && ln -s /lib64/ld.so /interp \\
 && mkdir -p /deep/a/b && ln -s /deep/a /abs-deep && ln -s ../../.. /deep/a/b/up \\
 && mkfifo /fifo && mknod /chardev c 1 3 \\
 && mkdir -m 1777 /sticky && echo x > /sticky/f && chown 1000:1000 /sticky/f \\
 && mkdir -p ${LONG_DIR} && echo long > ${LONG_DIR}/file-with-a-long-name \\
 && echo u > /ünïcode
# 4: metadata-only change (copy-up), one name of a hard-linked pair deleted
RUN chmod 600 /data/keep/f && rm /hl-same
`;

const TAG = 'exit139-guard-test/image-merge:local';

let work = '';
let ready = false;
let truth = new Map<string, Entry>();
let engineView: ImageView;

beforeAll(async () => {
  if (!(await engine('image merge against docker export'))) return;
  await ensureBaseImages(['alpineLike']);
  work = tempDir('merge');
  mkdirSync(path.join(work, 'ctx'));
  writeFileSync(path.join(work, 'ctx', 'Dockerfile'), DOCKERFILE);
  await dockerBuild(path.join(work, 'ctx'), { tag: TAG });
  await exportContainerFs(TAG, path.join(work, 'export.tar'));
  await saveImage(TAG, path.join(work, 'save.tar'));
  engineView = await openImage({ kind: 'engine', ref: TAG, dockerHost: dockerHost() }, FINGERPRINT);
  truth = withoutContainerAdditions(listTar(path.join(work, 'export.tar')), entriesOf(engineView));
  ready = true;
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the merged view of an image built by the engine', () => {
  test('equals, path by path, what docker export gives for a container of it', () => {
    if (!ready) return;
    const ours = entriesOf(engineView);
    // docker export writes no entry for the root; the view has one (0755 root:root, as mounted).
    expect(ours.get('/')).toEqual({
      type: 'dir',
      mode: 0o755,
      uid: 0,
      gid: 0,
      size: 0,
      linkTarget: null,
    });
    ours.delete('/');
    expect(lines(ours)).toEqual(lines(truth));
  });

  test('applies deletions, opaque directories, replacements and hard links as the engine does', () => {
    if (!ready) return;
    const f = engineView.files;
    expect(f.has('/data/gone')).toBe(false);
    expect(f.get('/data/keep/f')?.mode).toBe(0o600);
    expect([...f.keys()].filter((p) => p.startsWith('/opq/'))).toEqual(['/opq/new', '/opq/new/z']);
    expect([...f.keys()].filter((p) => p.startsWith('/opq2/'))).toEqual(['/opq2/only']);
    expect(f.get('/swap')).toMatchObject({ type: 'file', size: 5 });
    expect(f.has('/swap/child')).toBe(false);
    expect(f.get('/swap2')).toMatchObject({ type: 'file', size: 11 });
    expect(f.has('/hl-same')).toBe(false);
    expect(f.get('/hl-cross')).toMatchObject({
      type: 'file',
      mode: 0o4750,
      uid: 12,
      gid: 34,
      linkTarget: null,
    });
    expect(f.get('/hl-src')).toMatchObject({ type: 'file', mode: 0o4750, linkTarget: '/hl-cross' });
    expect(f.get('/chardev')?.type).toBe('char');
    expect(f.get('/fifo')?.type).toBe('fifo');
    expect(f.get(`${LONG_DIR}/file-with-a-long-name`)?.size).toBe(5);
    expect(f.get('/ünïcode')?.size).toBe(2);
    expect(f.get('/script.sh')?.shebang).toBe('/bin/sh -e');
    expect(f.get('/etc/passwd')?.content?.toString()).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect(f.get('/usr/lib64real/ld.so')?.elf).toEqual({
      machine: expect.stringMatching(/^\/usr\/lib64real\/ld.so:15:/),
    });
    expect(f.get('/bin/busybox')?.elf).not.toBeNull();
  });

  test('resolves paths as the kernel does inside the container', async () => {
    if (!ready) return;
    const paths = [
      '/lib64/ld.so',
      '/interp',
      '/abs-deep/b/up/bin/busybox',
      '/deep/a/b/up/../../etc/passwd',
      '/../../bin/sh',
      '/loop-a',
      '/loop-a/x',
      '/swap/child',
      '/data/gone/f',
      '/bin/sh',
    ];
    // The container answers with the real path, or the kernel's error (ELOOP, ENOTDIR, ENOENT).
    const script = paths
      .map(
        (p) =>
          `if [ -e '${p}' ]; then echo "$(readlink -f '${p}')"; else cat '${p}' 2>&1 | sed 's/.*: //'; fi`,
      )
      .join('; ');
    const run = await runContainer(TAG, { entrypoint: ['/bin/sh', '-c', script] });
    const kernel = run.stdout.trim().split('\n');
    const ours = paths.map((p) => describeResolution(engineView.resolve(p)));
    expect(ours).toEqual(kernel);
    expect(engineView.resolve('/interp').via).toEqual(['/interp', '/lib64']);
    expect(engineView.resolve('/interp', false)).toMatchObject({ found: true, path: '/interp' });
  });
});

function describeResolution(r: Resolution): string {
  if (r.found) return r.path;
  return {
    missing: 'No such file or directory',
    loop: 'Too many levels of symbolic links',
    'not-a-directory': 'Not a directory',
  }[r.reason];
}

describe('every way in gives the same view', () => {
  const sources: [string, () => string][] = [
    ['docker-save tar (Docker <= 24)', () => path.join(work, 'save.tar')],
    [
      'docker-save tar, gzip-compressed as a whole',
      () => {
        const out = path.join(work, 'save.tar.gz');
        sh('sh', ['-c', `gzip -c '${work}/save.tar' > '${out}'`]);
        return out;
      },
    ],
    [
      'OCI archive, uncompressed layers',
      () => {
        const out = path.join(work, 'oci-none.tar');
        sh('skopeo', [
          'copy',
          '--quiet',
          '--insecure-policy',
          '--dest-oci-accept-uncompressed-layers',
          `docker-archive:${work}/save.tar`,
          `oci-archive:${out}`,
        ]);
        return out;
      },
    ],
    [
      'OCI archive, gzip layers',
      () => {
        const out = path.join(work, 'oci-gzip.tar');
        skopeoCopy(`docker-archive:${work}/save.tar`, `oci-archive:${out}`, 'gzip');
        return out;
      },
    ],
    [
      'OCI archive, zstd layers',
      () => {
        const out = path.join(work, 'oci-zstd.tar');
        skopeoCopy(`docker-archive:${work}/save.tar`, `oci-archive:${out}`, 'zstd');
        return out;
      },
    ],
    [
      'OCI layout folder',
      () => {
        const out = path.join(work, 'oci-layout');
        skopeoCopy(`docker-archive:${work}/save.tar`, `oci:${out}:merge`, 'gzip');
        return out;
      },
    ],
    ['docker-save tar (Docker >= 25: OCI layout plus manifest.json)', () => dockerV25Archive(work)],
  ];
  for (const [name, make] of sources) {
    test(name, async () => {
      if (!ready) return;
      const view = await openImage({ kind: 'archive', path: make() }, FINGERPRINT);
      expect(fullLines(view)).toEqual(fullLines(engineView));
      expect([...view.files.values()].map((f) => f.layer)).toEqual(
        [...engineView.files.values()].map((f) => f.layer),
      );
      // skopeo's conversion to OCI rewrites the config blob, so only its id may differ.
      expect(view.config).toMatchObject({
        ...engineView.config,
        id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        digests: expect.any(Array),
        repoTags: expect.any(Array),
      });
    });
  }

  test('a rootfs folder (the export, extracted) gives the view of the image', async () => {
    if (!ready) return;
    const root = path.join(work, 'rootfs');
    mkdirSync(root);
    sh('tar', ['--numeric-owner', '-xpf', path.join(work, 'export.tar'), '-C', root]);
    const view = await openImage({ kind: 'archive', path: root }, FINGERPRINT);
    const imagePaths = new Set(engineView.files.keys());
    const comparable = fullLines(view).filter((line) => imagePaths.has(line.split(' ')[0]));
    expect(comparable).toEqual(fullLines(engineView));
    const folder = withoutContainerAdditions(entriesOf(view), entriesOf(engineView));
    folder.delete('/');
    expect(lines(folder)).toEqual(lines(truth));
  });
});

/** What Docker >= 25 saves: the OCI layout (uncompressed blobs) plus a manifest.json naming blobs. */
function dockerV25Archive(work: string): string {
  const layout = path.join(work, 'v25');
  sh('skopeo', [
    'copy',
    '--quiet',
    '--insecure-policy',
    '--dest-oci-accept-uncompressed-layers',
    `docker-archive:${work}/save.tar`,
    `oci:${layout}:merge`,
  ]);
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const manifestDigest: string = index.manifests[0].digest;
  const manifest = JSON.parse(
    readFileSync(path.join(layout, 'blobs', ...manifestDigest.split(':')), 'utf8'),
  );
  const blob = (digest: string) => `blobs/sha256/${digest.split(':')[1]}`;
  writeFileSync(
    path.join(layout, 'manifest.json'),
    JSON.stringify([
      {
        Config: blob(manifest.config.digest),
        RepoTags: [TAG],
        Layers: manifest.layers.map((l: { digest: string }) => blob(l.digest)),
      },
    ]),
  );
  const out = path.join(work, 'save-v25.tar');
  sh('tar', ['-C', layout, '-cf', out, 'oci-layout', 'index.json', 'manifest.json', 'blobs']);
  return out;
}
