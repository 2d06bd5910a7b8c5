/**
 * execve(2) of one file of the image, as the kernel does it (fs/exec.c, fs/binfmt_script.c,
 * fs/binfmt_elf.c), up to the point where the program's own code (or its ELF interpreter, which
 * the loader simulation follows) takes over:
 * - the path is looked up inside the image root (symlinks followed, at most 40); a dangling link
 *   is ENOENT like a missing file, a loop is ELOOP;
 * - the file must be a regular file with an execute bit (EACCES otherwise);
 * - an ELF file goes through binfmt_elf's checks and must be of a machine the node executes;
 * - a `#!` file is parsed as binfmt_script does and its interpreter executed in turn (at most
 *   5 levels deep, then ELOOP: exec_binprm); `#!…/env NAME` then runs NAME from PATH (execvp);
 * - anything else is ENOEXEC (`exec format error`).
 * Pure: reads only the ImageView.
 */
import path from 'node:path/posix';
import { kernelFailureMessage } from '../elf/kernel-exec.js';
import type { ImageFile, ImageView } from '../image/types.js';
import { executability, type Executability } from './compat.js';
import { envCommand } from './env.js';
import { parseShebang, visible } from './shebang.js';

/** exec_binprm gives up with ELOOP after this many interpreter levels. */
export const MAX_INTERPRETER_DEPTH = 5;

export type ExecFailureKind =
  /** The path (or a directory on it) does not exist. */
  | 'missing'
  /** A symlink on the path points at nothing. */
  | 'dangling-symlink'
  /** More than 40 symlinks, or a loop. */
  | 'symlink-loop'
  /** Not a regular file, or no execute bit at all. */
  | 'not-executable'
  /** Neither ELF nor `#!`. */
  | 'not-a-program'
  /** A `#!` line the kernel refuses (no name, a truncated name). */
  | 'bad-shebang'
  /** The `#!` interpreter cannot be executed (missing, CRLF, ...). */
  | 'shebang-interpreter'
  /** `#!…/env NAME`: NAME not found in PATH. */
  | 'env-command-missing'
  /** An ELF file binfmt_elf refuses or that dies at once. */
  | 'kernel-elf'
  /** An ELF file for a machine the node does not execute. */
  | 'foreign-machine'
  /** An ELF file the scanner could not read (and the kernel check found nothing). */
  | 'unreadable-elf'
  /** Interpreters nested deeper than the kernel follows. */
  | 'interpreter-depth';

export interface ExecFailure {
  kind: ExecFailureKind;
  /** The file at fault (the script, the link, the ELF file), as the chain reached it. */
  path: string;
  /** One sentence for the finding. */
  message: string;
  evidence: string[];
  /** What the container prints, when known (runc's `exec …: …`, env's line); null: nothing. */
  runtimeError: string | null;
  /** 139 for a SIGSEGV, 127 for env's not-found; null when runc reports the failure. */
  exitCode: number | null;
}

export interface ExecStep {
  /** The path as named (argv[0], a `#!` interpreter, env's command found in PATH). */
  path: string;
  /** Where it resolved to, symlinks followed. */
  resolved: string;
  file: ImageFile;
  /** How it reached the next step: as the `#!` interpreter, or env's command. */
  via: 'start' | 'shebang' | 'env';
}

export interface ExecResult {
  steps: ExecStep[];
  failure: ExecFailure | null;
  /** For the ELF program finally run: whether every node of the platform executes it. */
  executability: Executability | null;
}

export interface ExecOptions {
  /** The process's PATH (the image's Env, or Docker's default). */
  searchPath: string;
  /** The process's working directory (the image's WorkingDir, or `/`). */
  workingDir: string;
  /**
   * The node's architecture as the image platform names it (Go's GOARCH: `amd64`, `arm64`);
   * empty when unknown (a root folder), and then the machine is not judged.
   */
  nodeGoarch: string;
}

const STRERROR = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  ENOEXEC: 'exec format error',
} as const;

function runcError(execPath: string, errno: keyof typeof STRERROR): string {
  return `exec ${execPath}: ${STRERROR[errno]}`;
}

/** Where a failed lookup went wrong: a missing path, a dangling link, or a loop. */
function lookupFailure(
  view: ImageView,
  named: string,
  absolute: string,
): Pick<ExecFailure, 'kind' | 'path' | 'evidence'> & { errno: 'ENOENT' | 'ELOOP' | 'ENOTDIR' } {
  const resolution = view.resolve(absolute);
  if (resolution.found) throw new Error(`${absolute} resolves`);
  const links = resolution.via;
  if (resolution.reason === 'loop') {
    return {
      kind: 'symlink-loop',
      errno: 'ELOOP',
      path: absolute,
      evidence: [
        `${named}: more than 40 symbolic links (${links.slice(0, 4).join(' -> ')}${links.length > 4 ? ' -> ...' : ''})`,
      ],
    };
  }
  if (resolution.reason === 'not-a-directory') {
    return {
      kind: 'missing',
      errno: 'ENOTDIR',
      path: absolute,
      evidence: [`${visible(resolution.at)} is not a directory`],
    };
  }
  const link = links[links.length - 1];
  const target = link === undefined ? '' : (view.files.get(link)?.linkTarget ?? '');
  const targetPath = link === undefined ? '' : path.resolve(path.dirname(link), target);
  // Dangling: the link's own target is what is missing (not a name further down a directory
  // the link leads to, like /bin/sh\r through /bin -> usr/bin).
  if (
    link !== undefined &&
    (targetPath === resolution.at || targetPath.startsWith(`${resolution.at}/`))
  ) {
    const base = target.startsWith('/') ? '' : ` (relative to ${path.dirname(link)})`;
    return {
      kind: 'dangling-symlink',
      errno: 'ENOENT',
      path: link,
      evidence: [
        `${link} is a symbolic link to ${target}${base}`,
        `${visible(resolution.at)} does not exist in the image`,
      ],
    };
  }
  return {
    kind: 'missing',
    errno: 'ENOENT',
    path: absolute,
    evidence: [`${visible(resolution.at)} does not exist in the image`],
  };
}

/**
 * execvp(3)'s search as glibc and musl do it: a name with a slash is used as is; otherwise each
 * PATH entry (empty: the working directory) is tried, skipping entries where the file is missing
 * or not executable. The found path and resolved file, or null with the paths tried.
 */
export function execvpLookup(
  view: ImageView,
  name: string,
  searchPath: string,
  workingDir: string,
): { path: string; file: ImageFile; resolved: string } | { path: null; tried: string[] } {
  const candidates = name.includes('/')
    ? [path.resolve('/', workingDir, name)]
    : searchPath.split(':').map((dir) => path.resolve('/', workingDir, dir || '.', name));
  for (const candidate of candidates) {
    const r = view.resolve(candidate);
    if (r.found && r.file.type === 'file' && (r.file.mode & 0o111) !== 0)
      return { path: candidate, file: r.file, resolved: r.path };
  }
  return { path: null, tried: candidates };
}

/**
 * Simulates execve(`execPath`) in the image. `execPath` is what runc executes (argv[0] after
 * its PATH lookup); relative paths resolve from the working directory.
 */
export function simulateExec(view: ImageView, execPath: string, options: ExecOptions): ExecResult {
  const steps: ExecStep[] = [];
  const fail = (failure: ExecFailure): ExecResult => ({ steps, failure, executability: null });
  let current = execPath;
  let via: ExecStep['via'] = 'start';
  for (let depth = 0; ; depth++) {
    if (depth > MAX_INTERPRETER_DEPTH) {
      return fail({
        kind: 'interpreter-depth',
        path: execPath,
        message: `${execPath} is run through more than ${MAX_INTERPRETER_DEPTH} #! interpreters in a row`,
        evidence: steps.map((s) => `${s.path}: #!${s.file.shebang ?? ''}`),
        runtimeError: runcError(execPath, 'ELOOP'),
        exitCode: null,
      });
    }
    if (current === '') {
      // A file that is only `#!` gives an empty name; open_exec("") is ENOENT.
      return fail({
        kind: 'shebang-interpreter',
        path: steps[steps.length - 1]?.resolved ?? execPath,
        message: 'The #! line names no interpreter (the file ends right after #!)',
        evidence: stepEvidence(steps),
        runtimeError: runcError(execPath, 'ENOENT'),
        exitCode: null,
      });
    }
    const absolute = path.resolve('/', options.workingDir, current);
    const resolution = view.resolve(absolute);
    if (!resolution.found) {
      const miss = lookupFailure(view, current, absolute);
      const errno = miss.errno === 'ENOTDIR' ? 'ENOENT' : miss.errno;
      const what = via === 'shebang' ? 'the #! interpreter' : via === 'env' ? "env's command" : '';
      const dangling = miss.kind === 'dangling-symlink';
      return fail({
        ...miss,
        kind: via === 'shebang' && !dangling ? 'shebang-interpreter' : miss.kind,
        message: dangling
          ? `${what ? `${what} ${current}` : current}: ${miss.path} is a dangling symbolic link`
          : miss.kind === 'symlink-loop'
            ? `${what ? `${what} ` : ''}${current} is a symbolic link loop (or a chain longer than 40)`
            : `${what ? `${what} ` : ''}${visibleQuoted(current)} does not exist in the image`,
        evidence: [...stepEvidence(steps), ...miss.evidence, ...crlfHint(current)],
        runtimeError:
          miss.errno === 'ENOTDIR'
            ? `exec ${execPath}: not a directory`
            : runcError(execPath, errno),
        exitCode: null,
      });
    }
    const file = resolution.file;
    steps.push({ path: current, resolved: resolution.path, file, via });
    if (file.type !== 'file' || (file.mode & 0o111) === 0) {
      return fail({
        kind: 'not-executable',
        path: resolution.path,
        message:
          file.type !== 'file'
            ? `${resolution.path} is a ${file.type === 'dir' ? 'directory' : file.type}, not a program`
            : `${resolution.path} has no execute permission (mode ${(file.mode & 0o7777).toString(8).padStart(4, '0')})`,
        evidence: stepEvidence(steps),
        runtimeError: runcError(execPath, 'EACCES'),
        exitCode: null,
      });
    }
    if (file.elf !== null || file.elfError !== null || file.kernelExec !== null) {
      return elfStep(execPath, resolution.path, file, steps, options);
    }
    if (file.scriptHead === null) {
      const what = file.size === 0 ? 'an empty file' : (file.magic ?? 'not a program');
      return fail({
        kind: 'not-a-program',
        path: resolution.path,
        message: `${resolution.path} is ${what}: the kernel executes only ELF programs and #! scripts`,
        evidence: stepEvidence(steps),
        runtimeError: runcError(execPath, 'ENOEXEC'),
        exitCode: null,
      });
    }
    const shebang = parseShebang(file.scriptHead);
    if (!shebang.ok) {
      return fail({
        kind: 'bad-shebang',
        path: resolution.path,
        message: `The #! line of ${resolution.path} is refused by the kernel: ${shebang.reason}`,
        evidence: [...stepEvidence(steps), `#!${visible(excerpt(file.shebang ?? ''))}`],
        runtimeError: runcError(execPath, 'ENOEXEC'),
        exitCode: null,
      });
    }
    if (path.basename(shebang.interpreter) === 'env') {
      const envFile = view.resolve(path.resolve('/', options.workingDir, shebang.interpreter));
      if (envFile.found && envFile.file.type === 'file' && (envFile.file.mode & 0o111) !== 0) {
        const gnu = !isBusybox(view, envFile.path);
        const parsed = envCommand(shebang.argument, gnu);
        if (!parsed.ok) return { steps, failure: null, executability: null };
        steps.push({
          path: shebang.interpreter,
          resolved: envFile.path,
          file: envFile.file,
          via: 'shebang',
        });
        const command = parsed.command.command;
        const found = execvpLookup(view, command, options.searchPath, options.workingDir);
        if (found.path === null) {
          const hint =
            shebang.argument !== null && /[ \t]/.test(shebang.argument) && gnu
              ? ['env receives the whole rest of the #! line as one name; env -S splits it']
              : [];
          return fail({
            kind: 'env-command-missing',
            path: resolution.path,
            message: `${visibleQuoted(command)}, which ${resolution.path} runs through ${shebang.interpreter}, is not in the image's PATH`,
            evidence: [
              ...stepEvidence(steps),
              `searched PATH: ${found.tried.map((t) => visible(t)).join(', ')}`,
              ...hint,
              ...crlfHint(command),
            ],
            // coreutils quotes the name with C escapes; BusyBox prints it raw.
            runtimeError: gnu
              ? `${shebang.interpreter}: '${visible(command)}': No such file or directory`
              : `env: can't execute '${command}': No such file or directory`,
            exitCode: 127,
          });
        }
        current = found.path;
        via = 'env';
        continue;
      }
    }
    current = shebang.interpreter;
    via = 'shebang';
  }
}

function elfStep(
  execPath: string,
  resolved: string,
  file: ImageFile,
  steps: ExecStep[],
  options: ExecOptions,
): ExecResult {
  const fail = (failure: ExecFailure): ExecResult => ({ steps, failure, executability: null });
  if (file.elf !== null && options.nodeGoarch === '') {
    // A root folder has no platform: the machine is not judged.
    if (file.kernelExec === null) return { steps, failure: null, executability: null };
  } else if (file.elf !== null) {
    const runs = executability(file.elf, options.nodeGoarch);
    if (runs.runs === 'no') {
      return fail({
        kind: 'foreign-machine',
        path: resolved,
        message: `${resolved} is a ${file.elf.machine} program (${runs.why}); ${options.nodeGoarch} nodes cannot execute it`,
        evidence: stepEvidence(steps),
        runtimeError: runcError(execPath, 'ENOEXEC'),
        exitCode: null,
      });
    }
    if (file.kernelExec === null) return { steps, failure: null, executability: runs };
  }
  const verdict = file.kernelExec;
  if (verdict !== null) {
    return fail({
      kind: 'kernel-elf',
      path: resolved,
      message:
        verdict.failure === 'SIGSEGV'
          ? `The kernel maps ${resolved} but the process dies at once with SIGSEGV (exit 139): ${verdict.reason}`
          : `The kernel refuses to execute ${resolved} (${verdict.failure === 'EIO' ? 'input/output error' : 'exec format error'}): ${verdict.reason}`,
      evidence: stepEvidence(steps),
      runtimeError: kernelFailureMessage(verdict.failure, execPath),
      exitCode: verdict.failure === 'SIGSEGV' ? 139 : null,
    });
  }
  return fail({
    kind: 'unreadable-elf',
    path: resolved,
    message: `${resolved} starts like an ELF program but cannot be read: ${file.elfError ?? ''}`,
    evidence: stepEvidence(steps),
    runtimeError: null,
    exitCode: null,
  });
}

function stepEvidence(steps: ExecStep[]): string[] {
  return steps.map((s, i) => {
    const how = i === 0 ? 'started' : s.via === 'env' ? 'found by env in PATH' : '#! interpreter';
    const where = s.resolved !== path.resolve('/', s.path) ? ` (resolves to ${s.resolved})` : '';
    const line =
      s.file.shebang !== null ? `, whose first line is #!${visible(excerpt(s.file.shebang))}` : '';
    return `${visible(s.path)}${where}: ${how}${line}`;
  });
}

/** The `\r` a name picked up from a script with Windows line endings, said plainly. */
function crlfHint(name: string): string[] {
  return name.endsWith('\r')
    ? [
        'the name ends in \\r: the script has Windows (CRLF) line endings, and the kernel reads the #! line up to \\n only',
      ]
    : [];
}

function excerpt(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function visibleQuoted(name: string): string {
  return visible(name) === name ? name : `'${visible(name)}'`;
}

/** BusyBox's env: the env applet is a link to (or a copy of) busybox. */
function isBusybox(view: ImageView, envPath: string): boolean {
  return (
    path.basename(envPath) === 'busybox' ||
    view.files.get(envPath)?.linkTarget?.endsWith('busybox') === true
  );
}
