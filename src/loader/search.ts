/**
 * Where each loader looks for a DT_NEEDED library, step by step, inside the image.
 *
 * glibc (elf/dl-load.c `_dl_map_object`, ld.so(8)): a name with a slash is opened as a path;
 * otherwise DT_RPATH of the requester and of each object up its load chain (only while the
 * requester has no DT_RUNPATH; an object with both tags has no RPATH), LD_LIBRARY_PATH,
 * DT_RUNPATH of the requester alone, /etc/ld.so.cache, then the built-in directories; the last
 * two are skipped when the requester has DF_1_NODEFLIB. Candidates of another class or machine
 * are passed over. `$ORIGIN`, `$LIB` and `$PLATFORM` are substituted.
 *
 * musl (ldso/dynlink.c `load_library`): LD_LIBRARY_PATH, the RUNPATH (or RPATH) of the
 * requester and of each object that needed it, then /etc/ld-musl-$ARCH.path or the loader's
 * built-in path (/lib:/usr/local/lib:/usr/lib unless patched; read from the loader file). The first file that opens is taken, whatever it is; only
 * `$ORIGIN` is substituted and any other `$` discards the whole path list.
 */
import path from 'node:path/posix';
import type { ElfFacts } from '../elf/types.js';
import type { ImageFile } from '../image/types.js';
import type { LoaderEnvironment } from './environment.js';
import { acceptedCacheFlags, lookupLdSoCache } from './ld-so-cache.js';
import { atPlatform, describeMachine, multiarchTriplet, muslArch, sameMachine } from './machine.js';
import type { SkippedCandidate } from './types.js';

const DF_1_NODEFLIB = 0x800;
const MUSL_DEFAULT_PATH = '/lib:/usr/local/lib:/usr/lib';

/** An object on the load chain, as the search needs it. */
export interface ChainLink {
  /** The path it was opened by (its `$ORIGIN` is the directory of this). */
  path: string;
  realPath: string;
  elf: ElfFacts;
}

export interface Candidate {
  path: string;
  realPath: string;
  file: ImageFile;
  elf: ElfFacts;
}

export type SearchResult =
  | { found: true; candidate: Candidate; how: string; skipped: SkippedCandidate[] }
  | {
      found: false;
      searched: string[];
      skipped: SkippedCandidate[];
      /** musl: the first file found could not be mapped. */
      unloadable: { path: string; reason: string } | null;
    };

/** A directory to try and where it came from, for evidence. */
interface SearchDir {
  dir: string;
  source: string;
}

export interface GlibcLayout {
  /** The directories this ld.so searches after the cache (its compiled-in SYSTEM_DIRS). */
  systemDirs: string[];
  /** What `$LIB` expands to. */
  lib: string;
  /** glibc-hwcaps subdirectories this ld.so knows, in priority order (none before 2.33). */
  hwcapsSubdirs: string[];
  /** Where the layout comes from. */
  evidence: string;
}

/**
 * ld.so's built-in directories: read from the loader file itself (SYSTEM_DIRS, what
 * `ld.so --help` prints as "system search path"), so a loader copied into another folder still
 * searches what it was built with; `$LIB` is the first of them without its leading `/`
 * (glibc's DL_DST_LIB is slibdir's last part). Only when the constant cannot be found is the
 * layout inferred from where the loader sits: Debian's multiarch ld.so in lib/<triplet>, a
 * lib64 loader (Fedora, SUSE), anything else /lib, /usr/lib.
 */
export function glibcLayout(interpreterRealPath: string, elf: ElfFacts): GlibcLayout {
  const compiled = elf.loaderSearchPath;
  if (compiled !== null && compiled.flavor === 'glibc' && compiled.systemDirs.length > 0) {
    return {
      systemDirs: compiled.systemDirs,
      lib: compiled.systemDirs[0].replace(/^\/+/, '') || 'lib',
      hwcapsSubdirs: compiled.hwcapsSubdirs,
      evidence: `system directories compiled into ${interpreterRealPath}`,
    };
  }
  const triplet = multiarchTriplet(elf);
  const dir = path.dirname(interpreterRealPath);
  if (triplet !== null && path.basename(dir) === triplet) {
    return {
      systemDirs: [`/lib/${triplet}`, `/usr/lib/${triplet}`, '/lib', '/usr/lib'],
      lib: `lib/${triplet}`,
      hwcapsSubdirs: [],
      evidence: `multiarch loader in ${dir}`,
    };
  }
  if (path.basename(dir) === 'lib64') {
    return {
      systemDirs: ['/lib64', '/usr/lib64'],
      lib: 'lib64',
      hwcapsSubdirs: [],
      evidence: `loader in ${dir}`,
    };
  }
  return {
    systemDirs: ['/lib', '/usr/lib'],
    lib: 'lib',
    hwcapsSubdirs: [],
    evidence: `loader in ${dir}`,
  };
}

export class LibrarySearch {
  private readonly memo = new Map<string, SearchResult>();

  constructor(
    private readonly env: LoaderEnvironment,
    private readonly glibc: GlibcLayout | null,
    /** musl: PT_INTERP as the program names it (musl derives the .path prefix from it). */
    private readonly muslLoaderName: string | null,
    /** musl: the default path compiled into the loader, when it could be read from it. */
    private readonly muslDefaultPath: string | null = null,
  ) {}

  /** `chain` is the requester first, then the object that loaded it, up to the checked file. */
  glibcSearch(name: string, chain: ChainLink[], main: ChainLink | null): SearchResult {
    const requester = chain[0];
    if (name.includes('/')) {
      const expanded = this.expandGlibcTokens(name, requester);
      if (expanded === null) return notFound([name], []);
      return this.tryPaths(
        [{ dir: '', source: 'DT_NEEDED path' }],
        expanded.startsWith('/') ? expanded : joinRaw(this.env.cwd, expanded),
        requester.elf,
        true,
      );
    }
    const dirs: SearchDir[] = [];
    if (requester.elf.runpath.length === 0) {
      const seen = new Set<string>();
      for (const link of main && !chain.some((l) => l.realPath === main.realPath)
        ? [...chain, main]
        : chain) {
        if (seen.has(link.realPath)) continue;
        seen.add(link.realPath);
        if (link.elf.runpath.length > 0) continue; // an object with RUNPATH has no RPATH
        this.addDirs(dirs, link.elf.rpath, link, `RPATH of ${link.realPath}`, ':');
      }
    }
    if (this.env.ldLibraryPath !== null) {
      this.addDirs(dirs, [this.env.ldLibraryPath], main ?? requester, 'LD_LIBRARY_PATH', ':;');
    }
    this.addDirs(dirs, requester.elf.runpath, requester, `RUNPATH of ${requester.realPath}`, ':');
    const nodeflib = (requester.elf.flags1 & DF_1_NODEFLIB) !== 0;
    const key = [
      'g',
      name,
      nodeflib,
      ...dirs.map((d) => d.dir),
      requester.elf.eMachine,
      requester.elf.class,
    ].join('\0');
    const hit = this.memo.get(key);
    if (hit) return hit;

    const result = this.glibcSearchDirs(name, dirs, requester.elf, nodeflib);
    this.memo.set(key, result);
    return result;
  }

  private glibcSearchDirs(
    name: string,
    dirs: SearchDir[],
    elf: ElfFacts,
    nodeflib: boolean,
  ): SearchResult {
    const searched: string[] = [];
    const skipped: SkippedCandidate[] = [];
    const first = this.tryDirs(dirs, name, elf, searched, skipped);
    if (first) return first;
    if (nodeflib) {
      searched.push('(ld.so.cache and system directories skipped: DF_1_NODEFLIB)');
      return notFound(searched, skipped);
    }
    const cache = this.env.cache;
    if (cache.state === 'parsed') {
      const cached = lookupLdSoCache(
        cache.cache,
        name,
        acceptedCacheFlags(elf.eMachine, elf.class, elf.eFlags),
      );
      searched.push('/etc/ld.so.cache');
      if (cached !== null) {
        const hit = this.tryPaths(
          [{ dir: '', source: 'ld.so.cache' }],
          path.resolve(this.env.cwd, cached),
          elf,
          true,
          searched,
          skipped,
          'stale ld.so.cache entry',
        );
        if (hit.found) return { ...hit, skipped: [...skipped] };
      }
    } else if (cache.state === 'unread') {
      // Without the cache's content, take ld.so.conf's directories as what ldconfig cached.
      const confDirs = this.env.confDirs.map((dir) => ({
        dir,
        source: 'ld.so.cache (assumed: /etc/ld.so.conf lists the directory)',
      }));
      const hit = this.tryDirs(confDirs, name, elf, searched, skipped);
      if (hit) return hit;
    } else {
      searched.push(
        cache.state === 'absent'
          ? '(no /etc/ld.so.cache)'
          : `(/etc/ld.so.cache unusable: ${cache.reason})`,
      );
    }
    const system = (this.glibc?.systemDirs ?? ['/lib', '/usr/lib']).map((dir) => ({
      dir,
      source: `system directory ${dir}`,
    }));
    const hit = this.tryDirs(system, name, elf, searched, skipped);
    if (hit) return hit;
    return notFound(searched, skipped);
  }

  /** A file with this name in a directory ld.so.conf lists: found by ldconfig, not by ld.so. */
  onlyInLdSoConf(name: string, elf: ElfFacts): string | null {
    if (this.env.cache.state === 'unread') return null;
    for (const dir of this.env.confDirs) {
      const candidate = this.candidate(joinRaw(dir, name));
      if (candidate && 'elf' in candidate && sameMachine(candidate.elf, elf)) return candidate.path;
    }
    return null;
  }

  muslSearch(name: string, chain: ChainLink[]): SearchResult {
    const requester = chain[0];
    if (name.includes('/')) {
      return this.muslOpen(
        [{ dir: '', source: 'DT_NEEDED path' }],
        name.startsWith('/') ? name : joinRaw(this.env.cwd, name),
        requester.elf,
        true,
      );
    }
    const dirs: SearchDir[] = [];
    if (this.env.ldLibraryPath !== null)
      this.addMuslDirs(dirs, this.env.ldLibraryPath, 'LD_LIBRARY_PATH');
    for (const link of chain) {
      const list = link.elf.runpath.length > 0 ? link.elf.runpath : link.elf.rpath;
      if (list.length === 0) continue;
      const kind = link.elf.runpath.length > 0 ? 'RUNPATH' : 'RPATH';
      const joined = list.join(':');
      // fixup_rpath: only $ORIGIN is known; any other `$` drops the whole list.
      if (joined.replace(/\$\{ORIGIN\}|\$ORIGIN/g, '').includes('$')) continue;
      const origin = path.dirname(link.path);
      const expanded = joined.replace(/\$\{ORIGIN\}|\$ORIGIN/g, origin);
      this.addMuslDirs(dirs, expanded, `${kind} of ${link.realPath}`);
    }
    const key = ['m', name, ...dirs.map((d) => d.dir), requester.elf.eMachine].join('\0');
    const hit = this.memo.get(key);
    if (hit) return hit;
    const sys = this.muslSystemPath(requester.elf);
    this.addMuslDirs(dirs, sys.path, sys.source);
    const searched: string[] = [];
    let result: SearchResult | null = null;
    for (const dir of dirs) {
      const candidatePath = joinRaw(absoluteDir(this.env.cwd, dir.dir), name);
      searched.push(dir.dir);
      const opened = this.muslOpen([dir], candidatePath, requester.elf, false);
      if (opened.found || opened.unloadable) {
        result = opened.found ? opened : { ...opened, searched };
        break;
      }
    }
    result ??= notFound(searched, []);
    this.memo.set(key, result);
    return result;
  }

  /** musl's system path: `<prefix>/etc/ld-musl-$ARCH.path`, whole file, `:` or newline separated. */
  muslSystemPath(elf: ElfFacts): { path: string; source: string } {
    const loaderName = this.muslLoaderName ?? '';
    let prefix = '';
    if (loaderName.startsWith('/')) {
      const parts = loaderName.split('/');
      prefix = parts.slice(0, Math.max(1, parts.length - 2)).join('/');
    }
    const file = `${prefix}/etc/ld-musl-${muslArch(elf) ?? 'unknown'}.path`;
    const resolved = this.env.view.resolve(file);
    const builtIn = this.muslDefaultPath ?? MUSL_DEFAULT_PATH;
    const builtInSource =
      this.muslDefaultPath !== null
        ? "the default path compiled into musl's loader"
        : 'musl default path';
    if (!resolved.found) return { path: builtIn, source: `${builtInSource} (no ${file})` };
    if (resolved.file.type !== 'file' || resolved.file.content === null) {
      return { path: builtIn, source: `${builtInSource} (${file} not readable here)` };
    }
    return { path: resolved.file.content.toString('utf8'), source: file };
  }

  private addMuslDirs(dirs: SearchDir[], list: string, source: string): void {
    for (const dir of list.split(/[:\n]/)) if (dir !== '') dirs.push({ dir, source });
  }

  private muslOpen(
    dirs: SearchDir[],
    candidatePath: string,
    elf: ElfFacts,
    direct: boolean,
  ): SearchResult {
    const file = this.candidate(candidatePath);
    if (file === null) return notFound(direct ? [candidatePath] : [], []);
    if (!('elf' in file)) {
      return {
        found: false,
        searched: [],
        skipped: [],
        unloadable: { path: candidatePath, reason: file.reason },
      };
    }
    if (!sameMachine(file.elf, elf)) {
      const reason = `wrong architecture (${describeMachine(file.elf)})`;
      return {
        found: false,
        searched: [],
        skipped: [],
        unloadable: { path: candidatePath, reason },
      };
    }
    return { found: true, candidate: file, how: dirs[0].source, skipped: [] };
  }

  private addDirs(
    dirs: SearchDir[],
    lists: string[],
    owner: ChainLink,
    source: string,
    separators: string,
  ): void {
    for (const list of lists) {
      for (const raw of list.split(new RegExp(`[${separators}]`))) {
        const expanded = this.expandGlibcTokens(raw, owner);
        if (expanded === null) continue;
        // An empty entry means the working directory, as does a relative one.
        dirs.push({
          dir: absoluteDir(this.env.cwd, expanded.replace(/(.)\/+$/, '$1')),
          source: raw === expanded ? source : `${source} (${raw})`,
        });
      }
    }
  }

  /** `$ORIGIN`, `$LIB`, `$PLATFORM` (and the `${...}` forms); null when one cannot be known. */
  private expandGlibcTokens(text: string, owner: ChainLink): string | null {
    let unknown = false;
    const expanded = text.replace(
      /\$\{(ORIGIN|LIB|PLATFORM)\}|\$(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_])/g,
      (_m, a: string | undefined, b: string | undefined) => {
        const token = a ?? b;
        if (token === 'ORIGIN') return path.dirname(owner.path);
        if (token === 'LIB') return this.glibc?.lib ?? 'lib';
        const platform = atPlatform(owner.elf);
        if (platform === null) unknown = true;
        return platform ?? '';
      },
    );
    return unknown ? null : expanded;
  }

  private tryDirs(
    dirs: SearchDir[],
    name: string,
    elf: ElfFacts,
    searched: string[],
    skipped: SkippedCandidate[],
  ): SearchResult | null {
    for (const dir of dirs) {
      searched.push(dir.dir);
      this.noteHwcapsOnly(dir.dir, name, elf, skipped);
      const result = this.tryPaths([dir], joinRaw(dir.dir, name), elf, false, searched, skipped);
      if (result.found) return { ...result, skipped: [...skipped] };
    }
    return null;
  }

  /**
   * glibc 2.33+ first tries `<dir>/glibc-hwcaps/<subdir>/` for each subdirectory the CPU
   * supports (elf/dl-hwcaps.c). Which those are is a fact of the node, not of the image: the
   * simulation takes the baseline CPU, which supports none, so a copy found only there is
   * passed over, and said so.
   */
  private noteHwcapsOnly(
    dir: string,
    name: string,
    elf: ElfFacts,
    skipped: SkippedCandidate[],
  ): void {
    for (const subdir of this.glibc?.hwcapsSubdirs ?? []) {
      const candidatePath = joinRaw(joinRaw(joinRaw(dir, 'glibc-hwcaps'), subdir), name);
      const candidate = this.candidate(candidatePath);
      if (candidate === null || !('elf' in candidate) || !sameMachine(candidate.elf, elf)) continue;
      skipped.push({
        path: candidatePath,
        reason: `ld.so loads it only on a CPU that supports ${subdir}; the baseline does not`,
      });
    }
  }

  private tryPaths(
    dirs: SearchDir[],
    candidatePath: string,
    elf: ElfFacts,
    direct: boolean,
    searched: string[] = [],
    skipped: SkippedCandidate[] = [],
    staleReason?: string,
  ): SearchResult {
    if (direct) searched.push(candidatePath);
    const file = this.candidate(candidatePath);
    if (file === null) {
      if (staleReason)
        skipped.push({ path: candidatePath, reason: `${staleReason}: no such file` });
      return notFound(searched, skipped);
    }
    if (!('elf' in file)) {
      skipped.push({ path: candidatePath, reason: file.reason });
      return notFound(searched, skipped);
    }
    if (!sameMachine(file.elf, elf)) {
      skipped.push({
        path: candidatePath,
        reason: `wrong architecture (${describeMachine(file.elf)})`,
      });
      return notFound(searched, skipped);
    }
    return { found: true, candidate: file, how: dirs[0].source, skipped };
  }

  /** The file at `candidatePath` after symlinks: an ELF candidate, a reason it is not one, or null. */
  private candidate(candidatePath: string): Candidate | { path: string; reason: string } | null {
    const resolved = this.env.view.resolve(candidatePath);
    if (!resolved.found) return null;
    if (resolved.file.type === 'dir') return null;
    if (resolved.file.type !== 'file')
      return { path: candidatePath, reason: `a ${resolved.file.type}, not a file` };
    if (resolved.file.elf === null) {
      return {
        path: candidatePath,
        reason: resolved.file.elfError
          ? `not a readable ELF file: ${resolved.file.elfError}`
          : 'not an ELF file',
      };
    }
    return {
      path: candidatePath,
      realPath: resolved.path,
      file: resolved.file,
      elf: resolved.file.elf,
    };
  }
}

/** dir + '/' + name as the loaders build it (no normalisation: `$ORIGIN/../lib` stays as is). */
function joinRaw(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** A relative directory is relative to the process's working directory. */
function absoluteDir(cwd: string, dir: string): string {
  if (dir.startsWith('/')) return dir;
  return dir === '' || dir === '.' ? cwd : joinRaw(cwd, dir);
}

function notFound(searched: string[], skipped: SkippedCandidate[]): SearchResult {
  return { found: false, searched, skipped, unloadable: null };
}
