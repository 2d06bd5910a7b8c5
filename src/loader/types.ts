/**
 * What the loader simulation found for one ELF file of an image: which interpreter the kernel
 * would start, which objects the image's loader would map (in its breadth-first order), and
 * what would stop it. Produced by `simulateLoad` / `simulateImage`; read by the rules.
 */
import type { ElfFacts } from '../elf/types.js';

/** The loader implementation that would run: glibc's ld.so, musl's, or unknown. */
export type LoaderFlavor = 'glibc' | 'musl' | 'unknown';

export interface InterpreterResolution {
  /** PT_INTERP as written in the file. */
  requested: string;
  /** The file the kernel would open, after the image's symlinks; null when not found. */
  path: string | null;
  /** Symlinks followed, as `link -> target`. */
  via: string[];
  /**
   * `ok`, or why the kernel refuses it: the path does not resolve (`missing`, `loop`,
   * `not-a-directory`), is not a regular file, is not an ELF file, or is an ELF for another
   * machine/class/byte order (`incompatible`).
   */
  status: 'ok' | 'missing' | 'loop' | 'not-a-directory' | 'not-a-file' | 'not-elf' | 'incompatible';
  /** Where resolution stopped or what is wrong, for evidence. */
  detail: string | null;
  flavor: LoaderFlavor;
  /** What the flavor verdict rests on. */
  flavorEvidence: string;
  elf: ElfFacts | null;
}

/** One object the loader would map. */
export interface LoadedObject {
  /** The name it was asked for (a DT_NEEDED entry, or the checked file's own path). */
  name: string;
  /** The path the loader opened (directory + name); `$ORIGIN` of a library is its directory. */
  path: string;
  /** The file behind `path` after symlinks; objects are identified by it. */
  realPath: string;
  /** realPath of the object whose DT_NEEDED loaded it; null for the checked file. */
  neededBy: string | null;
  /** How it was found, e.g. `ld.so.cache`, `RUNPATH $ORIGIN/lib of /app`, `system directory /lib`. */
  how: string;
  elf: ElfFacts;
}

/** A candidate the loader looked at and passed over (glibc skips incompatible objects). */
export interface SkippedCandidate {
  path: string;
  reason: string;
}

export interface LibraryMissing {
  kind: 'library-missing';
  /** realPath of the object whose DT_NEEDED names the library. */
  object: string;
  name: string;
  /** Directories searched, in order, each with where it came from. */
  searched: string[];
  skipped: SkippedCandidate[];
  /**
   * A file with this name in a directory that /etc/ld.so.conf lists but that /etc/ld.so.cache
   * does not know (ld.so never reads ld.so.conf: ldconfig was not run), or null.
   */
  onlyInLdSoConf: string | null;
}

/** musl opens the first file it finds and fails if it cannot map it (no skipping). */
export interface LibraryUnloadable {
  kind: 'library-unloadable';
  object: string;
  name: string;
  path: string;
  reason: string;
}

export interface VersionMissing {
  kind: 'version-missing';
  object: string;
  /** The Verneed file (a SONAME), e.g. `libc.so.6`. */
  file: string;
  version: string;
  /** realPath of the loaded object that answers to `file`. */
  provider: string;
  /** The path the loader opened it by (what its error message names). */
  providerPath: string;
  /** The versions the provider defines (its Verdef names, BASE excluded). */
  providerVersions: string[];
}

export interface SymbolUnresolved {
  kind: 'symbol-unresolved';
  object: string;
  symbol: string;
  version: string | null;
  symbolType: string;
  /**
   * True when the loader stops before main: musl binds every symbol at load time; glibc does
   * for data and TLS symbols and for every symbol of a BIND_NOW object. Otherwise glibc's lazy
   * binding only fails at the first call (`symbol lookup error`).
   */
  fatalAtStart: boolean;
}

/** Something the simulation could not check; a rule reports it at a lower level. */
export interface Undecided {
  kind: 'undecided';
  object: string;
  detail: string;
}

export type LoadProblem =
  LibraryMissing | LibraryUnloadable | VersionMissing | SymbolUnresolved | Undecided;

export interface LoadSimulation {
  /** The checked file (its path in the image). */
  path: string;
  /**
   * `executable` when the file has PT_INTERP (the kernel starts it through its interpreter);
   * `library` for a shared library, simulated as loaded by the image's loader for its machine
   * (its own dependencies and versions, and its versioned symbol references: a version names
   * the library that must define the symbol, whatever program loads it).
   */
  mode: 'executable' | 'library';
  interpreter: InterpreterResolution | null;
  flavor: LoaderFlavor;
  /** Breadth-first, as the loader maps them; objects[0] is the checked file. */
  objects: LoadedObject[];
  problems: LoadProblem[];
  /** Set when nothing was simulated, with the reason (e.g. no interpreter, no loader). */
  notSimulated: string | null;
  /** What glibc's libc.so.6 would dlopen for this program later on (hidden-loads.ts). */
  hiddenLoads: HiddenLoad[];
}

/** An imported function, and the loaded object (realPath) that imports it. */
export interface SymbolUse {
  object: string;
  symbol: string;
}

export type NssDatabase = 'passwd' | 'group' | 'shadow' | 'hosts' | 'services';

export interface NssService {
  name: string;
  available: boolean;
  /** `built into /usr/lib/.../libc.so.6`, the module's path, or why it is missing. */
  how: string;
}

export type HiddenLoad =
  | {
      /** libgcc_s.so.1, dlopened by libc for pthread_cancel / pthread_exit. */
      kind: 'unwinder';
      name: string;
      uses: SymbolUse[];
      /** realPath of the libc.so.6 that would load it. */
      libc: string;
      /** Where the loader finds it (or the object already loaded), null when nowhere. */
      found: string | null;
      searched: string[];
      /** glibc's own message when it cannot load it, before it aborts. */
      message: string;
    }
  | {
      kind: 'nss';
      database: NssDatabase;
      uses: SymbolUse[];
      libc: string;
      /** Where the service list comes from, and the list. */
      config: string;
      services: NssService[];
    }
  | {
      kind: 'gconv';
      name: string;
      uses: SymbolUse[];
      libc: string;
      /** GCONV_PATH's directories, then libc's compiled-in gconv directory. */
      searchedDirs: string[];
      /** The gconv-modules(.cache) file iconv_open would read, null when none. */
      found: string | null;
    };
