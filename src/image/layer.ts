/**
 * Reads one layer (a tar) into a list of entries: metadata, whiteouts and the facts of regular
 * files. From a stream the facts are collected as the bytes pass; from a file on disk the
 * bodies are only located, and read later for the files that survive the merge.
 */
import { InputError } from '../errors.js';
import { FileWindow, type ByteInput } from './bytes.js';
import { SHEBANG_BYTES, type FactCollector, type FileBody, type FileFacts } from './facts.js';
import { walkTar, type TarEntry, type TarType } from './tar.js';

export type LayerEntry =
  | { kind: 'whiteout'; path: string }
  | { kind: 'opaque'; path: string }
  | {
      kind: 'entry';
      path: string;
      type: TarType;
      mode: number;
      uid: number;
      gid: number;
      size: number;
      /** Symlink target as written; for a hard link the normalised absolute path of its target. */
      linkTarget: string | null;
      facts: FileFacts | null;
      /** For files on disk: where the body is, to collect the facts after the merge. */
      deferred: DeferredBody | null;
    };

/**
 * A body on disk whose facts are collected after the merge; `head` holds its first bytes, read
 * during the walk from the same read-ahead as its header (so the merge's peek needs no read).
 */
export interface DeferredBody {
  window: FileWindow;
  offset: number;
  head: Buffer | null;
}

export interface Layer {
  label: string;
  entries: LayerEntry[];
}

/**
 * Cleans a tar path the way Docker does (Go's filepath.Clean, then joined under the root):
 * absolute names are taken relative to the root, `..` of an absolute name stops at the root,
 * and a relative name that climbs out of the root is refused, as `docker load` refuses it.
 */
export function normalizeEntryPath(name: string, where: string): string {
  const rooted = name.startsWith('/');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0) parts.pop();
      else if (!rooted)
        throw new InputError(`${where}: path '${name}' points outside the image root`);
      continue;
    }
    parts.push(part);
  }
  return '/' + parts.join('/');
}

const WHITEOUT_PREFIX = '.wh.';
const WHITEOUT_META_PREFIX = '.wh..wh.';
const WHITEOUT_OPAQUE = '.wh..wh..opq';

function streamBody(entry: TarEntry): FileBody {
  let head: Buffer | null = null;
  return {
    async head(n: number) {
      head ??= await entry.readBody(n);
      return head;
    },
    async readInto(target: Buffer) {
      let at = head ? head.copy(target) : 0;
      for await (const chunk of entry.bodyChunks()) at += chunk.copy(target, at);
    },
    ranges: null,
    rest: () => entry.bodyChunks(),
  };
}

export function windowBody(
  window: FileWindow,
  offset: number,
  size: number,
  head: Buffer | null = null,
): FileBody {
  return {
    async head(n: number) {
      const want = Math.min(n, size);
      if (head && head.length >= want) return head.subarray(0, want);
      return window.readAt(offset, want);
    },
    async readInto(target: Buffer) {
      window.readInto(offset, target);
    },
    ranges: {
      size,
      read: (at: number, length: number) =>
        window.file.readAt(window.start + offset + at, Math.max(0, Math.min(length, size - at))),
    },
  };
}

/** Reads a layer tar; bodies are deferred when the input is a window of a file on disk. */
export async function readLayer(input: ByteInput, collector: FactCollector): Promise<Layer> {
  const entries: LayerEntry[] = [];
  const deferBodies = input instanceof FileWindow;
  for await (const entry of walkTar(input)) {
    const { header } = entry;
    const where = `${input.label}: tar entry '${header.name}' at offset ${header.headerOffset}`;
    const path = normalizeEntryPath(header.name, where);
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    const dir = slash === 0 ? '/' : path.slice(0, slash);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base === WHITEOUT_OPAQUE) entries.push({ kind: 'opaque', path: dir });
      else if (!base.startsWith(WHITEOUT_META_PREFIX)) {
        const hidden = base.slice(WHITEOUT_PREFIX.length);
        entries.push({ kind: 'whiteout', path: dir === '/' ? `/${hidden}` : `${dir}/${hidden}` });
      }
      continue;
    }
    let linkTarget: string | null = null;
    if (header.type === 'symlink') linkTarget = header.linkName;
    if (header.type === 'hardlink') {
      linkTarget = normalizeEntryPath(header.linkName, `${where}: hard link target`);
    }
    let facts: FileFacts | null = null;
    let deferred: DeferredBody | null = null;
    if (header.type === 'file') {
      if (deferBodies) {
        // The read-ahead that brought the header usually holds the body's first bytes too; a
        // miss reads ahead from the body, which then also serves the next headers. Copied: the
        // view is valid only until the next read.
        const want = Math.min(header.size, SHEBANG_BYTES);
        const head = want > 0 ? Buffer.from(input.readAt(header.dataOffset, want)) : null;
        deferred = { window: input, offset: header.dataOffset, head };
      } else facts = await collector.collect(path, header.size, streamBody(entry));
    }
    entries.push({
      kind: 'entry',
      path,
      type: header.type,
      // Linux symlinks are always 0777 (the engine cannot chmod them), whatever the tar says.
      mode: header.type === 'symlink' ? 0o777 : header.mode,
      uid: header.uid,
      gid: header.gid,
      size: header.type === 'file' ? header.size : 0,
      linkTarget,
      facts,
      deferred,
    });
  }
  return { label: input.label, entries };
}
