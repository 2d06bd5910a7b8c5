// Helpers for the image tests: outside truth (Python's tarfile reading `docker export`), skopeo,
// and a comparable projection of an ImageView.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { dockerHost } from '../support/engine.js';
import type { ElfFacts } from '../../src/elf/types.js';
import type { FileRanges, ImageView } from '../../src/image/types.js';

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
  '/etc',
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

/** The same stand-in reading through ranges, as src/elf's parseElf reads files on disk. */
export function fingerprintRangeAnalyzer(source: FileRanges, p: string): ElfFacts {
  return fingerprintAnalyzer(source.read(0, source.size), p);
}

/** Both stand-ins: streams use the first, files on disk the second. */
export const FINGERPRINT = {
  analyzeElf: fingerprintAnalyzer,
  analyzeElfRanges: fingerprintRangeAnalyzer,
};

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

export interface TarEntrySpec {
  name: string;
  /** f file, d dir, l symlink, h hard link, c char device, p fifo */
  t: 'f' | 'd' | 'l' | 'h' | 'c' | 'p';
  data?: string;
  link?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** A size to declare in the header instead of the data's: the tar then ends after the data. */
  claim?: number;
}

export interface LayerSpec {
  format: 'gnu' | 'pax' | 'ustar';
  entries: TarEntrySpec[];
}

export interface ImageSpec {
  kind: 'docker' | 'oci';
  compress?: 'none' | 'gzip';
  tag: string;
  layers: LayerSpec[];
  architecture?: string;
}

// Writes hand-made images with Python's tarfile (its own tar writer, not ours): a docker-save
// (<= 24) or OCI layout folder, from a JSON spec on stdin.
const IMAGE_WRITER = `
import gzip, hashlib, io, json, os, sys, tarfile
spec = json.load(sys.stdin)
out = spec['out']
formats = {'gnu': tarfile.GNU_FORMAT, 'pax': tarfile.PAX_FORMAT, 'ustar': tarfile.USTAR_FORMAT}
types = {'f': tarfile.REGTYPE, 'd': tarfile.DIRTYPE, 'l': tarfile.SYMTYPE, 'h': tarfile.LNKTYPE,
         'c': tarfile.CHRTYPE, 'p': tarfile.FIFOTYPE}
def layer_bytes(layer):
    fmt = formats[layer['format']]
    buf = io.BytesIO()
    for e in layer['entries']:
        ti = tarfile.TarInfo(e['name'])
        ti.type = types[e['t']]
        ti.mode = e.get('mode', 0o755 if e['t'] == 'd' else 0o644)
        ti.uid, ti.gid = e.get('uid', 0), e.get('gid', 0)
        ti.linkname = e.get('link', '')
        data = e.get('data', '').encode()
        ti.size = e.get('claim', len(data)) if e['t'] == 'f' else 0
        if e['t'] == 'c':
            ti.devmajor, ti.devminor = 1, 3
        buf.write(ti.tobuf(fmt, 'utf-8', 'surrogateescape'))
        buf.write(data)
        if 'claim' in e:
            return buf.getvalue()
        if len(data) % 512:
            buf.write(b'\\0' * (512 - len(data) % 512))
    buf.write(b'\\0' * 1024)
    return buf.getvalue()
def sha(b):
    return hashlib.sha256(b).hexdigest()
def put(name, data):
    os.makedirs(os.path.dirname(os.path.join(out, name)) or out, exist_ok=True)
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
layers = [layer_bytes(l) for l in spec['layers']]
config = json.dumps({'architecture': spec.get('architecture', 'amd64'), 'os': 'linux',
                     'config': {'Env': ['PATH=/bin']},
                     'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + sha(l) for l in layers]}}).encode()
if spec['kind'] == 'docker':
    for i, l in enumerate(layers):
        put(f'{i}/layer.tar', l)
    put(sha(config) + '.json', config)
    put('manifest.json', json.dumps([{'Config': sha(config) + '.json', 'RepoTags': [spec['tag']],
                                      'Layers': [f'{i}/layer.tar' for i in range(len(layers))]}]).encode())
else:
    descs = []
    for l in layers:
        blob = gzip.compress(l, mtime=0) if spec.get('compress') == 'gzip' else l
        put('blobs/sha256/' + sha(blob), blob)
        descs.append({'mediaType': 'application/vnd.oci.image.layer.v1.tar' + ('+gzip' if spec.get('compress') == 'gzip' else ''),
                      'digest': 'sha256:' + sha(blob), 'size': len(blob)})
    put('blobs/sha256/' + sha(config), config)
    manifest = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                           'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                                      'digest': 'sha256:' + sha(config), 'size': len(config)},
                           'layers': descs}).encode()
    put('blobs/sha256/' + sha(manifest), manifest)
    put('oci-layout', b'{"imageLayoutVersion":"1.0.0"}')
    put('index.json', json.dumps({'schemaVersion': 2, 'manifests': [
        {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': 'sha256:' + sha(manifest),
         'size': len(manifest), 'annotations': {'org.opencontainers.image.ref.name': spec['tag']}}]}).encode())
`;

/** Writes the image as a folder `out` (created), and returns `out`. */
export function writeImage(out: string, spec: ImageSpec): string {
  execFileSync('python3', ['-c', IMAGE_WRITER], { input: JSON.stringify({ ...spec, out }) });
  return out;
}

/** Packs a folder into a tar (as docker save and skopeo's oci-archive: do), returns the tar. */
export function packFolder(folder: string): string {
  execFileSync('tar', ['-C', folder, '-cf', `${folder}.tar`, '.']);
  return `${folder}.tar`;
}
