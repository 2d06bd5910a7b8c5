/**
 * Opening a file or folder that an input names (`--dockerfile`, `--config`, `--archive`, the
 * action's `dockerfile`, `config`, `image-archive`), and the files of a folder source (an OCI
 * layout, an extracted `docker save`), without letting the repository that committed them turn
 * the run against its host. The threats, each a test in `__tests__/input-files.test.ts`:
 *
 * - a symbolic link to `/proc/self/environ`, `/etc/passwd`, `~/.ssh/…`: symlinks are resolved
 *   first (realpath), and the result must lie inside the allowed roots when there are any (the
 *   workspace in the action; the folder itself for a folder source's files);
 * - pseudo-files that `stat` calls regular (`/proc`, `/sys`): refused by the file system's magic
 *   number (statfs(2)), as their content is the process's or the kernel's, never the repository's;
 * - FIFOs, sockets and devices (`/dev/zero`, a `mkfifo`): refused from `stat` alone, before any
 *   open (opening a FIFO for reading blocks until a writer comes); the open itself is
 *   non-blocking and no-follow, and `fstat` must show the same regular file (no swap between
 *   the check and the open);
 * - echoing the content back: messages quote at most a short escaped excerpt (`excerpt`);
 * - a link planted where the action writes its report (`exit139-guard.sarif ->
 *   ~/.docker/config.json`): `writeOutputFile` follows no link out of the allowed roots and
 *   never writes through a link or into a non-regular file.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';

/** What an input must be. */
export type InputKind = 'file' | 'folder' | 'file-or-folder';

export interface InputPathOptions {
  /** How the input is named in messages: `--dockerfile`, `input 'config'`. */
  what: string;
  kind: InputKind;
  /**
   * Folders the resolved path must lie in (themselves resolved), or null for anywhere. The
   * action passes the workspace; folder sources pass the folder.
   */
  within?: readonly string[] | null;
  /**
   * Accept a path outside `within` when it is reached as written, through no symbolic link (an
   * absolute path the workflow itself names, e.g. an archive a previous step saved in /tmp); a
   * link planted in the repository still cannot lead out.
   */
  outsideAsWritten?: boolean;
  /** How the roots are named in messages ("the workspace"). */
  withinName?: string;
  /** How the path is shown in messages, when not as given (a blob's name in its folder). */
  shownAs?: string;
}

export interface CheckedPath {
  /** The path as given (for messages). */
  given: string;
  /** The resolved path, every symlink followed. */
  real: string;
  stats: Stats;
}

/**
 * Pseudo file systems (statfs f_type, linux/magic.h) whose "regular files" are views of a
 * process or the kernel (environment, memory, keys), never content a repository ships.
 */
const PSEUDO_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2fs'],
  [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'],
  [0xcafe4a11, 'bpffs'],
]);

/** Quoted, with control characters and non-ASCII escaped, cut to `max` characters (`…` after). */
export function excerpt(text: string | Uint8Array, max = 24): string {
  const source =
    typeof text === 'string'
      ? text.slice(0, max + 1)
      : Buffer.from(text.subarray(0, max + 1)).toString('latin1');
  const cut = source.length > max;
  const shown = source.slice(0, max).replace(/[^\x20-\x7e]|['\\]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === "'" || c === '\\') return `\\${c}`;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `'${shown}${cut ? '…' : ''}'`;
}

function describeType(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a folder';
  return 'a regular file';
}

function expected(kind: InputKind): string {
  return kind === 'file'
    ? 'a regular file'
    : kind === 'folder'
      ? 'a folder'
      : 'a regular file or a folder';
}

function inside(real: string, root: string): boolean {
  const relative = path.relative(root, real);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Resolves `given` (symlinks first) and checks it is what `kind` asks for, inside `within`.
 * Nothing is opened. Errors are InputErrors: "does not exist", "resolves outside <roots>",
 * "is a FIFO (named pipe), not a regular file", "is on procfs, not a regular file".
 */
export function checkInputPath(given: string, options: InputPathOptions): CheckedPath {
  const { what, kind } = options;
  const named = `${what} ${options.shownAs ?? given}`;
  let real: string;
  try {
    real = realpathSync(given);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${named}: does not exist`);
    if (code === 'ELOOP') throw new InputError(`${named}: too many levels of symbolic links`);
    throw new InputError(`${named}: cannot be read (${code ?? (error as Error).message})`);
  }
  if (options.within) {
    const roots = options.within.map((root) => {
      try {
        return realpathSync(root);
      } catch {
        return path.resolve(root);
      }
    });
    const asWritten = real === path.resolve(given);
    if (!roots.some((root) => inside(real, root)) && !(asWritten && options.outsideAsWritten)) {
      const where = options.withinName ?? roots.join(' or ');
      throw new InputError(
        asWritten
          ? `${named}: is outside ${where}`
          : `${named}: is a symbolic link to a path outside ${where}`,
      );
    }
  }
  let stats: Stats;
  try {
    stats = statSync(real);
  } catch {
    // An anonymous pipe or socket (`/dev/stdin` of a pipeline) resolves to `/proc/…/fd/pipe:[n]`,
    // a name that does not exist: what the given path stands for tells what it is.
    try {
      stats = statSync(given);
    } catch (error) {
      throw new InputError(
        `${named}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    if (stats.isFile() || stats.isDirectory())
      throw new InputError(`${named}: cannot be resolved to a path of the file system`);
  }
  const isFolder = stats.isDirectory();
  const ok =
    kind === 'file' ? stats.isFile() : kind === 'folder' ? isFolder : stats.isFile() || isFolder;
  if (!ok) throw new InputError(`${named}: is ${describeType(stats)}, not ${expected(kind)}`);
  const fileSystem = PSEUDO_FILE_SYSTEMS.get(Number(statfsSync(real).type));
  if (fileSystem) {
    throw new InputError(`${named}: is on ${fileSystem}, not ${expected(kind)} of the repository`);
  }
  return { given, real, stats };
}

/**
 * Opens a checked regular file for reading: non-blocking (a FIFO swapped in after the check
 * cannot hang the open), without following a final symlink (the path is already resolved), and
 * `fstat` must show the same file. Returns the descriptor; the caller closes it.
 */
export function openCheckedFile(checked: CheckedPath, what: string): number {
  let fd: number;
  try {
    fd = openSync(checked.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw new InputError(
      `${what} ${checked.given}: cannot be opened (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const now = fstatSync(fd);
  if (!now.isFile() || now.ino !== checked.stats.ino || now.dev !== checked.stats.dev) {
    closeSync(fd);
    throw new InputError(`${what} ${checked.given}: changed while it was being opened`);
  }
  return fd;
}

/** Documented limits on the text inputs (README, "Limits"): real ones are a few kilobytes. */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export interface ReadInputOptions extends Omit<InputPathOptions, 'kind'> {
  /** Largest size read, in bytes; a larger file is an InputError naming the limit. */
  maxBytes: number;
}

/**
 * Reads a user-named text file (Dockerfile, config) as UTF-8 after `checkInputPath` and
 * `openCheckedFile`, reading at most `maxBytes` (+1 to tell a larger file): a file that grows
 * while it is read cannot make the read unbounded.
 */
export function readInputText(given: string, options: ReadInputOptions): string {
  const checked = checkInputPath(given, { ...options, kind: 'file' });
  const named = `${options.what} ${options.shownAs ?? given}`;
  if (checked.stats.size > options.maxBytes) {
    throw new InputError(
      `${named}: is ${checked.stats.size} bytes, larger than the ${options.maxBytes}-byte limit`,
    );
  }
  const fd = openCheckedFile(checked, options.what);
  try {
    const buffer = Buffer.allocUnsafe(Math.min(checked.stats.size, options.maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) break;
      const got = readSync(fd, buffer, length, buffer.length - length, length);
      if (got === 0) break;
      length += got;
    }
    if (length > options.maxBytes) {
      throw new InputError(`${named}: is larger than the ${options.maxBytes}-byte limit`);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses JSON that came from a file the user named or an image holds; a syntax error names the
 * place and shows a short escaped excerpt, never more of the file (V8's own message quotes it).
 */
export function parseJsonText(text: string | Uint8Array, where: string): unknown {
  const string = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  try {
    return JSON.parse(string);
  } catch (err) {
    const at = /at position (\d+)/.exec((err as Error).message);
    const place = at ? `at character ${at[1]}` : `of ${string.length} characters`;
    throw new InputError(`${where}: not valid JSON (${place}, starting ${excerpt(string, 16)})`);
  }
}

export interface OutputPathOptions {
  /** How the output is named in messages: `input 'sarif-file'`. */
  what: string;
  /** Folders the file may be written in (themselves resolved). */
  within: readonly string[];
  /** How the roots are named in messages ("the workspace or RUNNER_TEMP"). */
  withinName: string;
}

/**
 * Checks where `file` would be written and creates its folders: no folder on the way may be a
 * symbolic link to a missing folder, or lead out of `within` (a plainly named folder outside is
 * fine, as for inputs), and `file` itself may not be a symbolic link, a folder or anything but a
 * regular file. Nothing is created before the checks pass. Returns the path that will be
 * written (folders resolved). Errors are InputErrors naming `what`, the file and the link.
 */
export function checkOutputPath(file: string, options: OutputPathOptions): string {
  const named = `${options.what}: cannot write ${file}`;
  const folder = path.dirname(path.resolve(file));
  const parts = folder.split('/').filter((p) => p !== '');
  let existing = '/';
  let firstLink: string | null = null;
  let rest: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const next = path.join(existing, parts[i]!);
    let stats: Stats;
    try {
      stats = lstatSync(next);
    } catch {
      rest = parts.slice(i);
      break;
    }
    if (stats.isSymbolicLink()) {
      try {
        if (!statSync(next).isDirectory()) throw new Error('not a folder');
      } catch {
        throw new InputError(`${named}: ${next} is a symbolic link to a missing folder or a file`);
      }
      firstLink ??= next;
    } else if (!stats.isDirectory()) throw new InputError(`${named}: ${next} is not a folder`);
    existing = next;
  }
  const realFolder = path.join(realpathSync(existing), ...rest);
  const roots = options.within.map((root) => {
    try {
      return realpathSync(root);
    } catch {
      return path.resolve(root);
    }
  });
  if (firstLink !== null && !roots.some((root) => inside(realFolder, root)))
    throw new InputError(
      `${named}: ${firstLink} is a symbolic link to a path outside ${options.withinName}`,
    );
  try {
    mkdirSync(realFolder, { recursive: true });
  } catch (error) {
    throw new InputError(
      `${named} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const target = path.join(realFolder, path.basename(file));
  let stats: Stats | null = null;
  try {
    stats = lstatSync(target);
  } catch {
    stats = null;
  }
  if (stats?.isSymbolicLink())
    throw new InputError(
      `${named}: it is a symbolic link (the report is never written through one)`,
    );
  if (stats?.isDirectory()) throw new InputError(`${named}: it is a folder`);
  if (stats && !stats.isFile()) throw new InputError(`${named}: it is not a regular file`);
  return target;
}

/**
 * Writes `text` to `file` after {@link checkOutputPath}: into a new file beside it (O_EXCL,
 * O_NOFOLLOW), then renamed over it, so a hard link someone planted at the path keeps its
 * content (the name gets a new file) and a reader never sees half a report.
 */
export function writeOutputFile(file: string, text: string, options: OutputPathOptions): void {
  const target = checkOutputPath(file, options);
  const named = `${options.what}: cannot write ${file}`;
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`,
  );
  let fd: number;
  try {
    fd = openSync(
      temporary,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o644,
    );
  } catch (error) {
    throw new InputError(
      `${named} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  try {
    try {
      const bytes = Buffer.from(text, 'utf8');
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new InputError(
      `${named} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}
