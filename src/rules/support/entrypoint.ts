/**
 * What runc does with the image's ENTRYPOINT + CMD before the program runs, for EG301–EG303,
 * EG501 and the loader rules' "is it started" test. It looks a bare name up in the image's PATH
 * (Go's exec.LookPath: a file with any execute bit), checks the USER may execute it, and the
 * kernel then needs the `#!` interpreter of a script.
 */
import path from 'node:path/posix';
import type { ImageFile, ImageView } from '../../image/types.js';
import { isExecutableFile, type RuleContext } from '../context.js';
import { envValue, imageExecution, type ExecutionSpec } from './execution.js';

/** The PATH Docker gives a container whose image sets none. */
export const DOCKER_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ResolvedEntrypoint {
  argv: string[];
  /** The image path runc would execute, or null when not found. */
  path: string | null;
  file: ImageFile | null;
  /** Where the lookup went, for evidence. */
  searched: string[];
}

/**
 * Finds `name` as runc would: a path from the working directory, or a PATH search, with the
 * working directory and PATH of `spec` (the image's own by default).
 */
export function lookPath(
  view: ImageView,
  name: string,
  spec: ExecutionSpec = imageExecution(view.config),
): ResolvedEntrypoint {
  const argv = [name];
  if (name.includes('/')) {
    const absolute = path.resolve('/', spec.workingDir || '/', name);
    const resolved = view.resolve(absolute);
    if (resolved.found && resolved.file.type !== 'dir')
      return { argv, path: absolute, file: resolved.file, searched: [absolute] };
    return { argv, path: null, file: null, searched: [absolute] };
  }
  const searchPath = envValue(spec.env, 'PATH') ?? DOCKER_DEFAULT_PATH;
  const searched: string[] = [];
  for (const dir of searchPath.split(':')) {
    const candidate = path.resolve('/', spec.workingDir || '/', dir || '.', name);
    searched.push(candidate);
    const resolved = view.resolve(candidate);
    if (resolved.found && resolved.file.type === 'file' && isExecutableFile(resolved.file.mode)) {
      return { argv, path: candidate, file: resolved.file, searched };
    }
  }
  return { argv, path: null, file: null, searched };
}

/** The program `spec` (the image's own by default) starts, found as runc finds it; null for none. */
export function resolveEntrypoint(
  view: ImageView,
  spec: ExecutionSpec = imageExecution(view.config),
): ResolvedEntrypoint | null {
  const argv = spec.argv;
  if (argv.length === 0) return null;
  return { ...lookPath(view, argv[0]!, spec), argv };
}

export interface UserIdentity {
  uid: number;
  gids: number[];
  /** The user's /etc/passwd name, or null when the uid has no entry. */
  name: string | null;
  description: string;
}

/** A USER name the engine cannot resolve: it refuses to create the container. */
export interface UnknownUser {
  kind: 'user' | 'group';
  name: string;
  file: '/etc/passwd' | '/etc/group';
  fileExists: boolean;
  /** The engine's error, as `docker run` prints it after `Error response from daemon: `. */
  engineError: string;
}

function readTable(view: ImageView, file: string): string[][] | null {
  const resolved = view.resolve(file);
  if (!resolved.found || resolved.file.content === null) return null;
  return resolved.file.content
    .toString('utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function unknown(
  kind: 'user' | 'group',
  name: string,
  table: string[][] | null,
): { unknown: UnknownUser } {
  const file = kind === 'user' ? '/etc/passwd' : '/etc/group';
  return {
    unknown: {
      kind,
      name,
      file,
      fileExists: table !== null,
      engineError: `unable to find ${kind} ${name}: no matching entries in ${kind === 'user' ? 'passwd' : 'group'} file`,
    },
  };
}

/**
 * The image USER as the engine resolves it (moby daemon/oci_linux.go through runc's
 * libcontainer/user): an empty USER is uid 0 without a lookup; a numeric uid or gid needs no
 * entry; a name, `root` included, must be in the image's /etc/passwd (/etc/group for a group),
 * or the engine refuses the container. `execution` gives the user (the image USER by default).
 */
export function resolveUser(
  view: ImageView,
  execution: ExecutionSpec = imageExecution(view.config),
): UserIdentity | { unknown: UnknownUser } {
  const spec = execution.user;
  const [userPart, groupPart] = spec === '' ? ['0', undefined] : spec.split(':');
  const passwdTable = readTable(view, '/etc/passwd');
  const groupTable = readTable(view, '/etc/group');
  const passwd = passwdTable ?? [];
  const groups = groupTable ?? [];
  let uid: number;
  let gid = 0;
  let name: string | null = null;
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const entry = passwd.find((e) => e[2] === userPart);
    if (entry) {
      gid = Number(entry[3]);
      name = entry[0];
    }
  } else {
    const byName = passwd.find((e) => e[0] === userPart);
    if (!byName) return unknown('user', userPart, passwdTable);
    uid = Number(byName[2]);
    gid = Number(byName[3]);
    name = userPart;
  }
  if (groupPart !== undefined) {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const group = groups.find((g) => g[0] === groupPart);
      if (!group) return unknown('group', groupPart, groupTable);
      gid = Number(group[2]);
    }
  }
  const gids = [gid, ...execution.supplementaryGroups.filter((g) => g !== gid)];
  if (name !== null && groupPart === undefined) {
    for (const group of groups) {
      const members = (group[3] ?? '').split(',');
      if (members.includes(name) && !gids.includes(Number(group[2]))) gids.push(Number(group[2]));
    }
  }
  return {
    uid,
    gids,
    name,
    // An unset user runs as root, and messages say so.
    description: `${execution.userSource} ${spec || 'root'} (uid ${uid}, gid ${gids.join(',')})`,
  };
}

/** Which mode bits apply to this user for this file: root needs any x bit. */
function mayExecute(user: UserIdentity, file: ImageFile, bit = 0o1): boolean {
  if (user.uid === 0) return bit === 0o1 ? isExecutableFile(file.mode) : true;
  if (file.uid === user.uid) return (file.mode & (bit << 6)) !== 0;
  if (user.gids.includes(file.gid)) return (file.mode & (bit << 3)) !== 0;
  return (file.mode & bit) !== 0;
}

export function modeString(file: ImageFile): string {
  return `mode ${(file.mode & 0o7777).toString(8).padStart(4, '0')}, owner ${file.uid}:${file.gid}`;
}

/** A directory on the way the user may not search (x), or null. */
function blockedDirectory(view: ImageView, user: UserIdentity, filePath: string): string | null {
  if (user.uid === 0) return null;
  let dir = path.dirname(filePath);
  const dirs: string[] = [];
  while (dir !== '/') {
    dirs.unshift(dir);
    dir = path.dirname(dir);
  }
  for (const d of dirs) {
    const resolved = view.resolve(d);
    if (resolved.found && resolved.file.type === 'dir' && !mayExecute(user, resolved.file, 0o1))
      return d;
  }
  return null;
}

/** An entrypoint that was found: the path runc executes and its file. */
export type FoundEntrypoint = ResolvedEntrypoint & { path: string; file: ImageFile };

/**
 * How far runc gets with the entrypoint, in its order: no command at all, the executable not
 * found (EG301), the USER unknown (EG404) or not allowed to execute it (EG302), or it starts, and a
 * script then needs its interpreter (EG303). `argvText` is the command as JSON, for evidence.
 */
export type EntrypointOutcome =
  | { stage: 'none' }
  | { stage: 'not-found'; entry: ResolvedEntrypoint; argvText: string }
  /** The engine refuses the USER before anything runs (EG404 reports it). */
  | { stage: 'unknown-user'; entry: FoundEntrypoint; argvText: string }
  | {
      stage: 'denied';
      entry: FoundEntrypoint;
      argvText: string;
      user: UserIdentity;
      realPath: string;
      /** The directory the user may not search, or null when the file's own mode denies it. */
      blocked: string | null;
    }
  | { stage: 'starts'; entry: FoundEntrypoint; argvText: string };

export function entrypointOutcome(
  ctx: RuleContext,
  spec: ExecutionSpec = imageExecution(ctx.image.config),
): EntrypointOutcome {
  const view = ctx.image;
  const entry = resolveEntrypoint(view, spec);
  if (entry === null) return { stage: 'none' };
  const argvText = JSON.stringify(entry.argv);
  if (entry.path === null || entry.file === null) return { stage: 'not-found', entry, argvText };
  const found: FoundEntrypoint = { ...entry, path: entry.path, file: entry.file };
  const user = resolveUser(view, spec);
  if ('unknown' in user) return { stage: 'unknown-user', entry: found, argvText };
  const resolved = view.resolve(found.path);
  const realPath = resolved.found ? resolved.path : found.path;
  const blocked = blockedDirectory(view, user, realPath);
  if (!mayExecute(user, found.file) || blocked)
    return { stage: 'denied', entry: found, argvText, user, realPath, blocked };
  return { stage: 'starts', entry: found, argvText };
}
