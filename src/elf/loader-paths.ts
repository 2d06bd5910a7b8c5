/**
 * The library search path compiled into a dynamic loader, read from the loader file itself: a
 * loader copied anywhere still searches the directories it was built with (`ld.so --help`
 * prints them), whatever folder it sits in.
 *
 * glibc (elf/dl-load.c): `system_dirs` is one string constant, SYSTEM_DIRS, generated at build
 * time from slibdir and libdir: each directory with a trailing `/`, NUL-separated, e.g.
 * `/lib/x86_64-linux-gnu/\0/usr/lib/x86_64-linux-gnu/\0/lib/\0/usr/lib/\0` on Debian,
 * `/lib64/\0/usr/lib64/\0` on Fedora. Since 2.33 (elf/dl-hwcaps.c) each search directory is
 * first tried with `glibc-hwcaps/<name>/` for the subdirectories the CPU supports, named by
 * `_dl_hwcaps_subdirs` (`x86-64-v4:x86-64-v3:x86-64-v2` on x86-64).
 *
 * musl (ldso/dynlink.c): without /etc/ld-musl-$ARCH.path the built-in `sys_path`,
 * `/lib:/usr/local/lib:/usr/lib` unless the distribution patched it.
 *
 * glibc's libc.so.6 likewise carries the directory of its gconv modules (iconv/gconv_conf.c
 * `default_gconv_path`, GCONV_DIR: `<libdir>/gconv`), where iconv_open looks for
 * gconv-modules.cache or gconv-modules when GCONV_PATH is unset.
 */
import * as C from './constants.js';
import type { ElfFile } from './elf-file.js';
import type { ElfSymbol, LoaderSearchPath } from './types.js';

/** Two or more absolute directories, each ending in `/`, NUL-separated, after a NUL. */
const GLIBC_SYSTEM_DIRS = /\0((?:\/[\x21-\x7e]*\/\0){2,})/;
/** A `:`-separated list of absolute directories, each with `lib` in it. */
const MUSL_SYS_PATH = /\0(\/[^\0:\s]*lib[^\0:\s]*(?::\/[^\0:\s]*lib[^\0:\s]*)+)\0/;
/** `_dl_hwcaps_subdirs`: x86-64 levels, POWER and z/Architecture generations. */
const HWCAPS_SUBDIRS = /\0((?:x86-64-v\d|power\d+|z\d+)(?::(?:x86-64-v\d|power\d+|z\d+))*)\0/;

/** GCONV_DIR: an absolute directory named `gconv`. */
const GCONV_DIR = /\0(\/[\x21-\x7e]*\/gconv)\0/;

/**
 * Real loaders and C libraries keep a few MiB of read-only data at most (glibc's libc.so.6 about
 * 2 MiB); a file claiming to be one with more is not read for its paths.
 */
const MAX_READ_ONLY = 16 << 20;

/** The read-only loaded bytes of the file (where string constants live), as latin1 text. */
function readOnlyText(elf: ElfFile): string {
  const segments = elf.programs.filter(
    (seg) => seg.type === C.PT_LOAD && (seg.flags & C.PF_W) === 0 && seg.filesz > 0,
  );
  if (segments.reduce((sum, seg) => sum + seg.filesz, 0) > MAX_READ_ONLY) return '';
  const parts: string[] = [];
  for (const seg of segments) {
    const region = elf.reader.region(seg.offset, seg.filesz, 'PT_LOAD segment');
    parts.push(Buffer.from(region.bytes).toString('latin1'));
  }
  return parts.join('\0');
}

/**
 * The compiled-in search path of glibc's ld.so (it exports `_rtld_global`) or of musl's
 * loader (its libc.so: no DT_NEEDED, no symbol versions, defines both `dlopen` and
 * `__libc_start_main`); null for any other file, or when the constant is not found.
 */
export function readLoaderSearchPath(
  elf: ElfFile,
  facts: { needed: string[]; definedSymbols: ElfSymbol[]; versionDefinitions: string[] },
): LoaderSearchPath | null {
  const defines = (name: string) => facts.definedSymbols.some((s) => s.name === name);
  if (defines('_rtld_global')) {
    const text = readOnlyText(elf);
    const dirs = GLIBC_SYSTEM_DIRS.exec(text);
    if (!dirs) return null;
    const hwcaps = text.includes('glibc-hwcaps') ? HWCAPS_SUBDIRS.exec(text) : null;
    return {
      flavor: 'glibc',
      systemDirs: dirs[1]
        .split('\0')
        .filter((d) => d !== '')
        .map((d) => d.replace(/(.)\/$/, '$1')),
      hwcapsSubdirs: hwcaps ? hwcaps[1].split(':') : [],
    };
  }
  if (
    facts.needed.length === 0 &&
    facts.versionDefinitions.length === 0 &&
    defines('dlopen') &&
    defines('__libc_start_main')
  ) {
    const path = MUSL_SYS_PATH.exec(readOnlyText(elf));
    if (!path) return null;
    return { flavor: 'musl', systemDirs: path[1].split(':'), hwcapsSubdirs: [] };
  }
  return null;
}

/** glibc's compiled-in gconv directory, for its libc.so.6 (it defines `gnu_get_libc_version`). */
export function readGconvDir(elf: ElfFile, definedSymbols: ElfSymbol[]): string | null {
  if (!definedSymbols.some((s) => s.name === 'gnu_get_libc_version')) return null;
  return GCONV_DIR.exec(readOnlyText(elf))?.[1] ?? null;
}
