/**
 * What the loaders of one image read besides the objects themselves: the image's
 * LD_LIBRARY_PATH and working directory (from its config), /etc/ld.so.cache, and the
 * directories /etc/ld.so.conf lists. Computed once per image.
 */
import path from 'node:path/posix';
import type { ImageView } from '../image/types.js';
import { parseLdSoCache, type LdSoCache } from './ld-so-cache.js';
import { readLdSoConf } from './ld-so-conf.js';

export const LD_SO_CACHE = '/etc/ld.so.cache';

export type CacheState =
  | { state: 'parsed'; cache: LdSoCache }
  /** No cache file: glibc's ld.so goes straight to its built-in directories. */
  | { state: 'absent' }
  /** The file is there but ld.so would not use it (bad magic, truncated). */
  | { state: 'invalid'; reason: string }
  /** The file is there but the image source kept no content for it: the cache step is unknown. */
  | { state: 'unread' };

export interface LoaderEnvironment {
  view: ImageView;
  /** LD_LIBRARY_PATH from the image config's Env, or null when unset. */
  ldLibraryPath: string | null;
  /** The process's working directory (config WorkingDir, `/` by default). */
  cwd: string;
  cache: CacheState;
  /** Directories /etc/ld.so.conf (and its includes) lists, in order. */
  confDirs: string[];
}

export function loaderEnvironment(view: ImageView): LoaderEnvironment {
  let ldLibraryPath: string | null = null;
  for (const entry of view.config.env) {
    if (entry.startsWith('LD_LIBRARY_PATH='))
      ldLibraryPath = entry.slice('LD_LIBRARY_PATH='.length);
  }
  const workingDir = view.config.workingDir || '/';
  return {
    view,
    ldLibraryPath,
    cwd: path.resolve('/', workingDir),
    cache: readCache(view),
    confDirs: readLdSoConf(view),
  };
}

function readCache(view: ImageView): CacheState {
  const resolved = view.resolve(LD_SO_CACHE);
  if (!resolved.found || resolved.file.type !== 'file') return { state: 'absent' };
  if (resolved.file.content === null) return { state: 'unread' };
  try {
    return { state: 'parsed', cache: parseLdSoCache(resolved.file.content, LD_SO_CACHE) };
  } catch (error) {
    return { state: 'invalid', reason: (error as Error).message };
  }
}
