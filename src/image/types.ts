/**
 * The merged, read-only view of an image's final filesystem and its config. Produced by
 * src/image from any source (engine, archives, folders); consumed by the loader simulation and
 * the rules. Paths are absolute, normalised, without a trailing slash (`/` is the root).
 */
import type { KernelExecVerdict } from '../elf/kernel-exec.js';
import type { ElfFacts } from '../elf/types.js';

export type FileType =
  'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface ImageFile {
  path: string;
  /** Hard links are reported as 'file' sharing the target's content; `linkTarget` names the target. */
  type: Exclude<FileType, 'hardlink'>;
  /** Permission bits and setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Symlink target as written, or for a hard link the absolute path of the file it links to. */
  linkTarget: string | null;
  /** Index (0-based, bottom first) of the layer this entry came from. */
  layer: number;
  /** Facts of the file when it is an ELF file (parsed while streaming); else null. */
  elf: ElfFacts | null;
  /** Set when the file starts with ELF magic but could not be parsed: the reason, with offset. */
  elfError: string | null;
  /** The first line of a `#!` script (without `#!`), else null. */
  shebang: string | null;
  /** For a `#!` script: its first BINPRM_BUF_SIZE bytes, what the kernel parses; else null. */
  scriptHead: Buffer | null;
  /**
   * For a file with content that is neither ELF nor `#!`: what its first bytes say it is
   * (`Mach-O`, `PE (MZ)`, `text`, ...), for messages; else null.
   */
  magic: string | null;
  /** For an ELF file: how the kernel's execve of it fails (fs/binfmt_elf.c), null when it runs. */
  kernelExec: KernelExecVerdict | null;
  /** Content, kept only for the small files the checks read (see `KEPT_CONTENT_PATTERNS`). */
  content: Buffer | null;
}

export interface ImageConfig {
  /** From the image config; a rootfs folder has no config: `linux`, and '' for the architecture. */
  os: string;
  architecture: string;
  variant: string | null;
  user: string;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  workingDir: string;
  labels: Record<string, string>;
  /** Image id (config digest, `sha256:...`), when known. */
  id: string | null;
  /** Manifest digest and repo digests, when known. */
  digests: string[];
  repoTags: string[];
}

/** The result of following a path inside the image with the kernel's rules. */
export type Resolution =
  | { found: true; path: string; file: ImageFile; via: string[] }
  | { found: false; reason: 'missing' | 'loop' | 'not-a-directory'; at: string; via: string[] };

export interface ImageView {
  config: ImageConfig;
  /** Where the image came from, for messages (e.g. `docker-archive:/tmp/x.tar`, `engine:app:pr-1`). */
  source: string;
  /** Every entry of the merged filesystem, keyed by path. */
  files: ReadonlyMap<string, ImageFile>;
  /**
   * Follows `path` as the kernel would inside the image root: absolute symlinks re-rooted,
   * `..` never above `/`, intermediate directory symlinks followed, at most 40 links.
   * With `followFinal` false the last component is not followed (lstat).
   */
  resolve(path: string, followFinal?: boolean): Resolution;
}

/**
 * Called for each regular file that starts with ELF magic (once per inode); its result is stored
 * in `ImageFile.elf`, a thrown error's message in `ImageFile.elfError`. `bytes` is the whole file
 * in a buffer that is reused for the next file: keep facts, never the bytes or views of them.
 */
export type ElfAnalyzer = (bytes: Uint8Array, path: string) => ElfFacts;

/** Random access to one file's bytes (the shape of src/elf's ByteSource). */
export interface FileRanges {
  size: number;
  /** The bytes in [offset, offset+length), fewer at the end of the file. */
  read(offset: number, length: number): Uint8Array;
}

/**
 * Like ElfAnalyzer, for files that can be read at offsets (archives and folders on disk): the
 * analyzer reads only the ranges it needs instead of the whole file (src/elf's `parseElf`).
 */
export type ElfRangeAnalyzer = (source: FileRanges, path: string) => ElfFacts;
