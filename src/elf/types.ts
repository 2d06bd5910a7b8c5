/**
 * The facts read from one ELF file. Field and constant names follow the ELF specification and
 * Go's debug/elf, so the code can be read beside them. Produced by src/elf, consumed by the
 * loader simulation and the rules; `inspect --json` prints a projection of it (the contract in
 * DESIGN.md), so renaming a field here means keeping the JSON name there.
 */

export type ElfClass = 32 | 64;
export type Endianness = 'little' | 'big';
export type ElfType = 'NONE' | 'REL' | 'EXEC' | 'DYN' | 'CORE' | `OTHER(${number})`;

/** What kind of executable this is, as the kernel and loader see it. */
export type Linkage =
  | 'static' // no PT_INTERP, no PT_DYNAMIC
  | 'static-pie' // ET_DYN, PT_DYNAMIC, no PT_INTERP
  | 'dynamic' // PT_INTERP present
  | 'shared-library' // ET_DYN without PT_INTERP, with a SONAME or no DF_1_PIE (loaded by others)
  | 'relocatable' // ET_REL (.o): never executed
  | 'other';

export type LibcFlavor =
  | 'glibc-dynamic'
  | 'glibc-static'
  | 'musl-dynamic'
  | 'musl-static'
  | 'none' // e.g. a Go binary with CGO_ENABLED=0
  | 'unknown';

export interface ElfSymbol {
  name: string;
  /** e.g. `GLIBC_2.34`; null when the object has no version info for it (or it is unversioned). */
  version: string | null;
  /** For defined symbols: false when the version is the default one (`@@`), true when hidden (`@`). */
  hidden: boolean;
  binding: 'LOCAL' | 'GLOBAL' | 'WEAK' | 'GNU_UNIQUE' | `OTHER(${number})`;
  type:
    | 'NOTYPE'
    | 'OBJECT'
    | 'FUNC'
    | 'SECTION'
    | 'FILE'
    | 'COMMON'
    | 'TLS'
    | 'GNU_IFUNC'
    | `OTHER(${number})`;
}

/** One Verneed entry: the versions this object needs from the object with SONAME `file`. */
export interface VersionNeed {
  file: string;
  versions: { name: string; weak: boolean }[];
}

export interface ElfNote {
  owner: string;
  type: number;
}

export interface GoBuildInfo {
  /** e.g. `go1.19.8`, possibly with experiments (`go1.22.0 X:loopvar`). */
  version: string;
  /** The `path` line, or null. */
  path: string | null;
  /** The `mod` line. */
  main: GoModule | null;
  deps: GoModule[];
  /** Every `build` line, in order, key and value unquoted as `go version -m` would print them. */
  settings: { key: string; value: string }[];
}

export interface GoModule {
  path: string;
  version: string;
  sum: string;
  replace: GoModule | null;
}

export interface ElfFacts {
  class: ElfClass;
  endianness: Endianness;
  eMachine: number;
  /** Name of e_machine as readelf's short form: `x86_64`, `aarch64`, `arm`, `i386`, ... */
  machine: string;
  /** The Go GOARCH this machine/class/endianness corresponds to, or null. */
  goarch: string | null;
  eFlags: number;
  osAbi: number;
  type: ElfType;
  entry: bigint;
  interpreter: string | null;
  /** DT_NEEDED in file order. */
  needed: string[];
  soname: string | null;
  rpath: string[];
  runpath: string[];
  /** DT_FLAGS and DT_FLAGS_1 (0 when absent). */
  flags: number;
  flags1: number;
  linkage: Linkage;
  staticPie: boolean;
  pie: boolean;
  bindNow: boolean;
  /** PT_GNU_STACK present and not executable. */
  nx: boolean;
  /** 'none' | 'partial' | 'full', as checksec/syft compute it. */
  relro: 'none' | 'partial' | 'full';
  hasDynamic: boolean;
  /** Undefined dynamic symbols (imports), with the versions they require. */
  undefinedSymbols: ElfSymbol[];
  /** Defined, exported dynamic symbols (GLOBAL/WEAK/GNU_UNIQUE), with their versions. */
  definedSymbols: ElfSymbol[];
  versionNeeds: VersionNeed[];
  /** Names of the version definitions (Verdef), the BASE one (the SONAME) excluded. */
  versionDefinitions: string[];
  notes: ElfNote[];
  /** NT_GNU_ABI_TAG minimum kernel, e.g. `3.2.0`, or null. */
  gnuAbiTagKernel: string | null;
  /**
   * GNU_PROPERTY_X86_ISA_1_NEEDED (x86 only): bit 0 baseline, 1 x86-64-v2, 2 v3, 3 v4; null
   * when the file has no such property.
   */
  x86IsaNeeded: number | null;
  buildId: string | null;
  goBuildId: string | null;
  libc: LibcFlavor;
  /** What the libc verdict rests on, e.g. "PT_INTERP /lib/ld-musl-x86_64.so.1". */
  libcEvidence: string[];
  go: GoBuildInfo | null;
  /**
   * Go packages linked in (from pclntab function names), sorted; null when not a Go binary or
   * when pclntab could not be found.
   */
  goPackages: string[] | null;
  /** What the linked Go code will reach for at run time; null when not a Go binary. */
  goSignals: GoSignals | null;
  /** The size of the file in bytes. */
  size: number;
  /** The program headers, in file order (what `readelf -l` lists). */
  segments: ElfSegment[];
  /** For a dynamic loader (glibc's ld.so, musl's libc.so): its compiled-in search path. */
  loaderSearchPath: LoaderSearchPath | null;
  /** For glibc's libc.so.6: the gconv module directory compiled into it, else null. */
  glibcGconvDir: string | null;
}

/** The search path a dynamic loader was built with (src/elf/loader-paths.ts). */
export interface LoaderSearchPath {
  flavor: 'glibc' | 'musl';
  /** glibc: SYSTEM_DIRS; musl: the default `sys_path`. In order, without trailing `/`. */
  systemDirs: string[];
  /** glibc-hwcaps subdirectory names in priority order (`x86-64-v4`, ...); empty before 2.33. */
  hwcapsSubdirs: string[];
}

export interface ElfSegment {
  /** readelf's name for p_type (`LOAD`, `GNU_STACK`, ...) or `0x...` when it has none here. */
  type: string;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  /** p_flags as readelf prints them: `R`, `W`, `E` or spaces. */
  flags: string;
  align: number;
}

/**
 * Linker-reachable Go functions that need something from the image at run time (names as in
 * pclntab's function-name table; presence means reachable, not necessarily executed).
 */
export interface GoSignals {
  /** runtime/cgo is linked (`_cgo_panic`, `_cgo_topofstack`): the binary calls into a C library. */
  runtimeCgo: boolean;
  /** The cgo DNS resolver (`net._C2func_getaddrinfo`, `net.cgoLookupHost`, ...): needs libc NSS. */
  cgoResolver: boolean;
  /** cgo `os/user` (`os/user._Cfunc_mygetpwuid_r`, ...): needs libc NSS. */
  cgoUser: boolean;
  /** Any `os/user` lookup (pure Go reads /etc/passwd and /etc/group). */
  osUser: boolean;
  /** `crypto/x509.loadSystemRoots`: needs a CA bundle in the image. */
  x509SystemRoots: boolean;
  /** `time.LoadLocation`: loading a zone by name needs zoneinfo unless tzdata is embedded. */
  timeLoadLocation: boolean;
  /** `time/tzdata` embedded (`time/tzdata.loadFromEmbeddedTZData`). */
  embeddedTzdata: boolean;
}
