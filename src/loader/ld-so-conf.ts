/**
 * The directories /etc/ld.so.conf names, read the way ldconfig reads them (glibc
 * elf/ldconfig.c: `#` comments, one directory per line or several separated by spaces, commas,
 * colons or tabs, `include <glob>` relative to the including file, `hwcap` lines ignored).
 * ld.so itself never reads this file; it only matters for telling "not in the cache because
 * ldconfig was not run" from "not there at all". Hand-written: a dozen lines of syntax.
 */
import path from 'node:path/posix';
import picomatch from 'picomatch';
import type { ImageView } from '../image/types.js';

const MAX_INCLUDE_DEPTH = 8;

export function readLdSoConf(view: ImageView, file = '/etc/ld.so.conf'): string[] {
  const dirs: string[] = [];
  const seenFiles = new Set<string>();
  const read = (conf: string, depth: number) => {
    if (depth > MAX_INCLUDE_DEPTH || seenFiles.has(conf)) return;
    seenFiles.add(conf);
    const content = fileContent(view, conf);
    if (content === null) return;
    for (const raw of content.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') continue;
      const include = /^include\s+(.+)$/.exec(line);
      if (include) {
        for (const pattern of include[1].split(/\s+/)) {
          const absolute = path.resolve(path.dirname(conf), pattern);
          for (const match of globFiles(view, absolute)) read(match, depth + 1);
        }
        continue;
      }
      if (/^hwcap\s/.test(line)) continue;
      for (const dir of line.split(/[\s,:]+/)) {
        const normal = path.normalize(dir).replace(/(.)\/$/, '$1');
        if (dir.startsWith('/') && !dirs.includes(normal)) dirs.push(normal);
      }
    }
  };
  read(file, 0);
  return dirs;
}

function fileContent(view: ImageView, file: string): string | null {
  const resolved = view.resolve(file);
  if (!resolved.found || resolved.file.type !== 'file' || resolved.file.content === null) {
    return null;
  }
  return resolved.file.content.toString('utf8');
}

/** Matches a glob in the last component only, as every real ld.so.conf include does. */
function globFiles(view: ImageView, pattern: string): string[] {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (!/[*?[]/.test(base)) return [pattern];
  const resolvedDir = view.resolve(dir);
  if (!resolvedDir.found) return [];
  const isMatch = picomatch(base, { dot: false });
  const prefix = resolvedDir.path === '/' ? '/' : resolvedDir.path + '/';
  const matches: string[] = [];
  for (const filePath of view.files.keys()) {
    if (!filePath.startsWith(prefix)) continue;
    const name = filePath.slice(prefix.length);
    if (!name.includes('/') && isMatch(name)) matches.push(path.join(dir, name));
  }
  // glob(3) in the C locale: byte order.
  return matches.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
