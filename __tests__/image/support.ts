// Helpers for the image tests: outside truth (Python's tarfile reading `docker export`), skopeo,
// and a comparable projection of an ImageView.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { dockerHost } from '../support/engine.js';
import type { ElfFacts } from '../../src/elf/types.js';
import type { ImageView } from '../../src/image/types.js';

export interface Entry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkTarget: string | null;
}

/**
 * What Docker adds to every container (moby's init layer: daemon/initlayer/setup_unix.go), so
 * it is in `docker export` but not in the image: compared only when the image has it too.
 */
export const CONTAINER_ADDED = [
  '/.dockerenv',
  '/etc/hostname',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/mtab',
  '/dev',
  '/dev/console',
  '/dev/pts',
  '/dev/shm',
  '/proc',
  '/sys',
];

const TARFILE_LISTER = `
import json, sys, tarfile
types = {tarfile.REGTYPE: 'file', tarfile.AREGTYPE: 'file', tarfile.LNKTYPE: 'hardlink',
         tarfile.SYMTYPE: 'symlink', tarfile.DIRTYPE: 'dir', tarfile.CHRTYPE: 'char',
         tarfile.BLKTYPE: 'block', tarfile.FIFOTYPE: 'fifo'}
with tarfile.open(sys.argv[1]) as tar:
    for m in tar:
        name = '/' + m.name.strip('/') if m.name.strip('/') not in ('', '.') else '/'
        if name.startswith('/./'):
            name = name[2:]
        link = m.linkname
        if m.type == tarfile.LNKTYPE:
            link = '/' + link.strip('/')
        print(json.dumps([name, types[m.type], m.mode & 0o7777, m.uid, m.gid, m.size, link if link else None]))
`;

/** Every entry of a tar as Python's tarfile reads it; hard links become files of their target's size. */
export function listTar(tarPath: string): Map<string, Entry> {
  const out = execFileSync('python3', ['-c', TARFILE_LISTER, tarPath], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const entries = new Map<string, Entry>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, type, mode, uid, gid, size, link] = JSON.parse(line) as [
      string,
      string,
      number,
      number,
      number,
      number,
      string | null,
    ];
    if (type === 'hardlink') {
      const target = entries.get(link as string);
      if (!target) throw new Error(`${tarPath}: hard link ${name} to unknown ${link}`);
      entries.set(name, { type: 'file', mode, uid, gid, size: target.size, linkTarget: link });
    } else {
      entries.set(name, {
        type,
        mode,
        uid,
        gid,
        size: type === 'file' ? size : 0,
        linkTarget: link,
      });
    }
  }
  return entries;
}

/** The view's files as tar-like entries (what `docker export` can be compared with). */
export function entriesOf(view: ImageView): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [p, f] of view.files) {
    entries.set(p, {
      type: f.type,
      mode: f.mode,
      uid: f.uid,
      gid: f.gid,
      size: f.size,
      linkTarget: f.linkTarget,
    });
  }
  return entries;
}

/** Removes what the container adds, unless the image itself has it. */
export function withoutContainerAdditions(
  exported: Map<string, Entry>,
  image: Map<string, Entry>,
): Map<string, Entry> {
  const out = new Map(exported);
  for (const p of CONTAINER_ADDED) if (!image.has(p)) out.delete(p);
  return out;
}

/** Sorted lines, one per path, so a failing comparison shows the differing paths. */
export function lines(entries: Map<string, Entry>): string[] {
  return [...entries]
    .map(
      ([p, e]) =>
        `${p} ${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.size} ${e.linkTarget ?? ''}`,
    )
    .sort();
}

/** A stand-in ELF analyzer whose "facts" prove which bytes it was given. */
export function fingerprintAnalyzer(bytes: Uint8Array, p: string): ElfFacts {
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { machine: `${p}:${bytes.length}:${digest}` } as unknown as ElfFacts;
}

/** Everything a view says about its files except the layer index: what every source must agree on. */
export function fullLines(view: ImageView): string[] {
  return [...view.files.values()].map((f) =>
    [
      f.path,
      f.type,
      f.mode.toString(8),
      `${f.uid}:${f.gid}`,
      f.size,
      f.linkTarget ?? '',
      f.elf ? (f.elf as unknown as { machine: string }).machine : '',
      f.elfError ?? '',
      f.shebang ?? '',
      f.content ? createHash('sha256').update(f.content).digest('hex').slice(0, 16) : '',
    ].join(' '),
  );
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `exit139-guard-image-${prefix}-`));
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: dockerHost(), DOCKER_BUILDKIT: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** skopeo copy with the given layer compression (none: layers as the source has them). */
export function skopeoCopy(from: string, to: string, compress: 'none' | 'gzip' | 'zstd'): void {
  const args = ['copy', '--quiet', '--insecure-policy'];
  if (compress !== 'none') args.push('--dest-compress', '--dest-compress-format', compress);
  else args.push('--dest-decompress');
  sh('skopeo', [...args, from, to]);
}
