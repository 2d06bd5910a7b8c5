/**
 * A plain rootfs folder (an extracted image or `docker export`): one layer, read with lstat,
 * hard links recognised by inode. Sizes follow the tar convention (0 for all but regular files),
 * so the view equals the one read from the image's layers.
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';

import { InputError } from '../errors.js';
import { DiskFile } from './bytes.js';
import type { FactCollector, FileBody } from './facts.js';
import { byteOrder, makeView } from './filesystem.js';
import { runnerPlatform, type Platform } from './platform.js';
import type { ImageFile, ImageView } from './types.js';

/** As for layers (see filesystem.ts): the root shows as the engine's mount root does. */
const ROOT_ATTRIBUTES = { mode: 0o755, uid: 0, gid: 0 };

function typeOf(stats: Stats): ImageFile['type'] {
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isCharacterDevice()) return 'char';
  if (stats.isBlockDevice()) return 'block';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return 'file';
}

/** A file of the folder; opened on each access, so no descriptor outlives the call. */
function diskBody(path: string, size: number): FileBody {
  const withFile = <T>(use: (file: DiskFile) => T): T => {
    const file = new DiskFile(path);
    try {
      return use(file);
    } finally {
      file.close();
    }
  };
  return {
    head: async (n) => withFile((file) => file.readAt(0, n)),
    readInto: async (target) => withFile((file) => file.readInto(0, target)),
    ranges: { size, read: (offset, length) => withFile((file) => file.readAt(offset, length)) },
  };
}

/**
 * A folder has no image config to state its platform: it is the one asked for, else the one its
 * ELF files are built for (the most common GOARCH-style architecture among them, as the kernel
 * will only run those), never a bare `linux`, which would make every binary look foreign. A
 * folder without ELF files has nothing that depends on it: this machine's platform.
 */
function folderPlatform(files: ReadonlyMap<string, ImageFile>, asked: Platform | null): Platform {
  if (asked) return asked;
  const counts = new Map<string, number>();
  for (const file of files.values()) {
    const arch = file.linkTarget === null ? file.elf?.goarch : null;
    if (arch) counts.set(arch, (counts.get(arch) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (ranked.length === 0) return { ...runnerPlatform(), os: 'linux' };
  return { os: 'linux', architecture: ranked[0]![0], variant: null };
}

export async function readRootfsFolder(
  root: string,
  source: string,
  collector: FactCollector,
  asked: Platform | null = null,
): Promise<ImageView> {
  const files = new Map<string, ImageFile>();
  const firstPathOfInode = new Map<string, ImageFile>();
  const visit = async (imagePath: string, diskPath: string): Promise<void> => {
    let stats: Stats;
    try {
      stats = lstatSync(diskPath);
    } catch (err) {
      throw new InputError(`${source}: cannot read ${diskPath}: ${(err as Error).message}`);
    }
    const type = typeOf(stats);
    const file: ImageFile = {
      path: imagePath,
      type,
      mode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
      size: type === 'file' ? stats.size : 0,
      linkTarget: type === 'symlink' ? readlinkSync(diskPath) : null,
      layer: 0,
      elf: null,
      elfError: null,
      shebang: null,
      scriptHead: null,
      magic: null,
      kernelExec: null,
      content: null,
    };
    if (imagePath === '/') Object.assign(file, ROOT_ATTRIBUTES);
    files.set(imagePath, file);
    if (type === 'file') {
      const key = `${stats.dev}:${stats.ino}`;
      const primary = stats.nlink > 1 ? firstPathOfInode.get(key) : undefined;
      if (primary) {
        Object.assign(file, {
          linkTarget: primary.path,
          elf: primary.elf,
          elfError: primary.elfError,
          shebang: primary.shebang,
          scriptHead: primary.scriptHead,
          magic: primary.magic,
          kernelExec: primary.kernelExec,
          content: primary.content,
        });
      } else {
        if (stats.nlink > 1) firstPathOfInode.set(key, file);
        Object.assign(
          file,
          await collector.collect(imagePath, stats.size, diskBody(diskPath, stats.size)),
        );
      }
    }
    if (type === 'dir') {
      const names = byteOrder(readdirSync(diskPath));
      for (const name of names) {
        await visit(imagePath === '/' ? `/${name}` : `${imagePath}/${name}`, join(diskPath, name));
      }
    }
  };
  await visit('/', root);
  // A folder without a single file (empty, or only folders and links) is a wrong path or a
  // failed export, never an image that passes.
  if (![...files.values()].some((file) => file.type === 'file'))
    throw new InputError(
      `${source}: the folder has no files; expected a root filesystem (docker export, or an image's unpacked layers)`,
    );
  const platform = folderPlatform(files, asked);
  const config = {
    os: platform.os,
    architecture: platform.architecture,
    variant: platform.variant,
    user: '',
    env: [],
    entrypoint: null,
    cmd: null,
    workingDir: '',
    labels: {},
    id: null,
    digests: [],
    repoTags: [],
  };
  return makeView(config, source, files);
}
