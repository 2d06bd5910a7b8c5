/**
 * The merged filesystem: layers applied bottom first as Docker applies them (moby
 * pkg/archive UnpackLayer), then flattened into the path map of the ImageView, and path lookup
 * with the kernel's rules inside the image root.
 */
import { InputError } from '../errors.js';
import { NO_FACTS, type FactCollector, type FileFacts } from './facts.js';
import { windowBody, type DeferredBody, type Layer } from './layer.js';
import type { ImageConfig, ImageFile, ImageView, Resolution } from './types.js';

/** Linux's MAXSYMLINKS: path resolution fails with ELOOP after following this many links. */
export const MAX_SYMLINKS = 40;

interface Inode {
  type: ImageFile['type'];
  mode: number;
  uid: number;
  gid: number;
  size: number;
  symlinkTarget: string | null;
  facts: FileFacts | null;
  deferred: DeferredBody | null;
  /** The path the body was found at (what the ELF analyzer is told). */
  origin: string;
}

interface Node {
  inode: Inode;
  layer: number;
  children: Map<string, Node> | null;
}

function dirInode(mode: number, uid: number, gid: number, origin: string): Inode {
  return {
    type: 'dir',
    mode,
    uid,
    gid,
    size: 0,
    symlinkTarget: null,
    facts: NO_FACTS,
    deferred: null,
    origin,
  };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

/** Applies layers onto an empty root. */
class Tree {
  readonly root: Node = { inode: dirInode(0o755, 0, 0, '/'), layer: 0, children: new Map() };

  /**
   * Finds a node following symlinks re-rooted at the image root (as a lookup inside a chroot);
   * `followFinal` false leaves a final symlink alone.
   */
  lookup(path: string, followFinal: boolean): Node | null {
    const pending = splitPath(path);
    const stack: Node[] = [this.root];
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '.') continue;
      if (part === '..') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const children = stack[stack.length - 1].children;
      if (!children) return null;
      const child = children.get(part);
      if (!child) return null;
      if (child.inode.type === 'symlink' && (pending.length > 0 || followFinal)) {
        if (++links > MAX_SYMLINKS) return null;
        const target = child.inode.symlinkTarget as string;
        if (target.startsWith('/')) stack.length = 1;
        pending.unshift(...splitPath(target));
        continue;
      }
      stack.push(child);
    }
    return stack[stack.length - 1];
  }

  /** The directory that will hold `path`, created (0755 root:root) where missing, as Docker does. */
  private parentOf(path: string, layer: number, where: string): Map<string, Node> {
    const parts = splitPath(path);
    parts.pop();
    let dir = this.root;
    let walked = '';
    for (const part of parts) {
      walked += `/${part}`;
      const children = dir.children as Map<string, Node>;
      let child = children.get(part);
      if (!child) {
        child = { inode: dirInode(0o755, 0, 0, walked), layer, children: new Map() };
        children.set(part, child);
      } else if (child.inode.type === 'symlink') {
        const followed = this.lookup(walked, true);
        if (!followed?.children) {
          throw new InputError(`${where}: parent '${walked}' is a symlink to no directory`);
        }
        child = followed;
      }
      if (!child.children) {
        throw new InputError(`${where}: parent '${walked}' is not a directory`);
      }
      dir = child;
    }
    return dir.children as Map<string, Node>;
  }

  /** Hides every entry below `dir` that this layer has not written (an opaque directory). */
  private makeOpaque(children: Map<string, Node>, layer: number): void {
    for (const [name, child] of children) {
      if (child.layer < layer) children.delete(name);
      else if (child.children) this.makeOpaque(child.children, layer);
    }
  }

  apply(layer: Layer, index: number): void {
    for (const entry of layer.entries) {
      const where = `${layer.label}: tar entry '${entry.path}'`;
      const name = splitPath(entry.path).pop();
      if (entry.kind === 'opaque') {
        // Like any entry, the marker first makes its directory exist (Docker's MkdirAll).
        this.makeOpaque(this.parentOf(`${entry.path}/.wh..wh..opq`, index, where), index);
        continue;
      }
      if (name === undefined) {
        // The root itself: the engine's overlay mount shows its own root (0755 root:root),
        // whatever the layers say about `./`.
        if (entry.kind === 'entry' && entry.type === 'dir') continue;
        throw new InputError(`${where}: the image root cannot be replaced or deleted`);
      }
      const siblings = this.parentOf(entry.path, index, where);
      if (entry.kind === 'whiteout') {
        siblings.delete(name);
        continue;
      }
      const existing = siblings.get(name);
      if (entry.type === 'dir' && existing?.children) {
        Object.assign(existing.inode, { mode: entry.mode, uid: entry.uid, gid: entry.gid });
        existing.layer = index;
        continue;
      }
      let inode: Inode;
      if (entry.type === 'hardlink') {
        const target = this.lookup(entry.linkTarget as string, false);
        if (!target) {
          throw new InputError(
            `${where}: hard link to '${entry.linkTarget}', which is in neither this layer nor a lower one`,
          );
        }
        if (target.children) {
          throw new InputError(`${where}: hard link to the directory '${entry.linkTarget}'`);
        }
        // Docker creates the link, then chowns it (the shared inode) to the header's owner.
        inode = target.inode;
        inode.uid = entry.uid;
        inode.gid = entry.gid;
      } else if (entry.type === 'dir') {
        inode = dirInode(entry.mode, entry.uid, entry.gid, entry.path);
      } else {
        inode = {
          type: entry.type,
          mode: entry.mode,
          uid: entry.uid,
          gid: entry.gid,
          size: entry.size,
          symlinkTarget: entry.type === 'symlink' ? entry.linkTarget : null,
          facts: entry.type === 'file' ? entry.facts : NO_FACTS,
          deferred: entry.deferred,
          origin: entry.path,
        };
      }
      siblings.delete(name);
      siblings.set(name, {
        inode,
        layer: index,
        children: entry.type === 'dir' ? new Map() : null,
      });
    }
  }

  /** Every path, depth first with names in byte order (the order `docker export` walks). */
  *walk(): Generator<[string, Node]> {
    const stack: [string, Node][] = [['/', this.root]];
    while (stack.length > 0) {
      const [path, node] = stack.pop() as [string, Node];
      yield [path, node];
      if (node.children) {
        const names = byteOrder([...node.children.keys()]).reverse();
        for (const name of names) {
          stack.push([
            path === '/' ? `/${name}` : `${path}/${name}`,
            node.children.get(name) as Node,
          ]);
        }
      }
    }
  }
}

/** Names in the byte order of their UTF-8 encoding (Go's sort of names, which docker export walks in). */
export function byteOrder(names: string[]): string[] {
  return names
    .map((name) => ({ name, key: Buffer.from(name) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ name }) => name);
}

/** Applies `layers` bottom first and returns the merged files, with facts for every file. */
export async function mergeLayers(
  layers: Layer[],
  collector: FactCollector,
): Promise<Map<string, ImageFile>> {
  const tree = new Tree();
  layers.forEach((layer, index) => tree.apply(layer, index));

  const files = new Map<string, ImageFile>();
  const firstPathOf = new Map<Inode, string>();
  const pending: Inode[] = [];
  const walked = [...tree.walk()];
  for (const [path, node] of walked) {
    const { inode } = node;
    const primary = firstPathOf.get(inode);
    if (primary === undefined) {
      firstPathOf.set(inode, path);
      if (inode.deferred) pending.push(inode);
    }
    files.set(path, {
      path,
      type: inode.type,
      mode: inode.mode,
      uid: inode.uid,
      gid: inode.gid,
      size: inode.size,
      linkTarget:
        inode.type === 'symlink'
          ? inode.symlinkTarget
          : inode.type === 'file'
            ? (primary ?? null)
            : null,
      layer: node.layer,
      elf: null,
      elfError: null,
      shebang: null,
      scriptHead: null,
      magic: null,
      kernelExec: null,
      content: null,
    });
  }
  // Bodies of files on disk are read only now, for the files that survived, in disk order.
  pending.sort((a, b) => {
    const fa = a.deferred as NonNullable<Inode['deferred']>;
    const fb = b.deferred as NonNullable<Inode['deferred']>;
    return fa.window.start + fa.offset - (fb.window.start + fb.offset);
  });
  for (const inode of pending) {
    const { window, offset, head } = inode.deferred as NonNullable<Inode['deferred']>;
    inode.facts = await collector.collect(
      inode.origin,
      inode.size,
      windowBody(window, offset, inode.size, head),
    );
    inode.deferred = null;
  }
  for (const [path, node] of walked) {
    const facts = node.inode.facts ?? NO_FACTS;
    Object.assign(files.get(path) as ImageFile, {
      elf: facts.elf,
      elfError: facts.elfError,
      shebang: facts.shebang,
      scriptHead: facts.scriptHead,
      magic: facts.magic,
      kernelExec: facts.kernelExec,
      content: facts.content,
    });
  }
  return files;
}

function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Path lookup with the kernel's rules over a merged path map (see ImageView.resolve). */
export function resolvePath(
  files: ReadonlyMap<string, ImageFile>,
  path: string,
  followFinal = true,
): Resolution {
  const pending = splitPath(path);
  const via: string[] = [];
  let current = '/';
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      current = current === '/' ? '/' : current.slice(0, current.lastIndexOf('/')) || '/';
      continue;
    }
    const next = joinPath(current, part);
    const file = files.get(next);
    if (!file) return { found: false, reason: 'missing', at: next, via };
    if (file.type === 'symlink' && (pending.length > 0 || followFinal)) {
      if (++links > MAX_SYMLINKS) return { found: false, reason: 'loop', at: next, via };
      via.push(next);
      const target = file.linkTarget as string;
      if (target.startsWith('/')) current = '/';
      pending.unshift(...splitPath(target));
      continue;
    }
    if (file.type !== 'dir' && pending.length > 0) {
      return { found: false, reason: 'not-a-directory', at: next, via };
    }
    current = next;
  }
  return { found: true, path: current, file: files.get(current) as ImageFile, via };
}

export function makeView(
  config: ImageConfig,
  source: string,
  files: ReadonlyMap<string, ImageFile>,
): ImageView {
  return {
    config,
    source,
    files,
    resolve: (path: string, followFinal = true) => resolvePath(files, path, followFinal),
  };
}
