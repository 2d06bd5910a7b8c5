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

export async function readRootfsFolder(
  root: string,
  source: string,
  collector: FactCollector,
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
  const config = {
    os: 'linux',
    architecture: '',
    variant: null,
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
