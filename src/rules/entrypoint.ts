/**
 * EG301–EG303: what runc does with the image's ENTRYPOINT + CMD before the program runs. It
 * looks a bare name up in the image's PATH (Go's exec.LookPath: a file with any execute bit),
 * checks the USER may execute it, and the kernel then needs the `#!` interpreter of a script.
 */
import path from 'node:path/posix';
import type { Finding } from '../findings.js';
import type { ImageFile, ImageView } from '../image/types.js';
import { ruleMeta } from './catalog.js';
import {
  blameEntrypoint,
  finding,
  isExecutableFile,
  type Rule,
  type RuleContext,
} from './context.js';

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

function envValue(view: ImageView, name: string): string | null {
  let value: string | null = null;
  for (const entry of view.config.env)
    if (entry.startsWith(`${name}=`)) value = entry.slice(name.length + 1);
  return value;
}

/** ENTRYPOINT followed by CMD, as Docker assembles the process's argv. */
export function entrypointArgv(view: ImageView): string[] {
  return [...(view.config.entrypoint ?? []), ...(view.config.cmd ?? [])];
}

/** Finds `name` as runc would: a path from the working directory, or a PATH search. */
export function lookPath(view: ImageView, name: string): ResolvedEntrypoint {
  const argv = [name];
  if (name.includes('/')) {
    const absolute = path.resolve('/', view.config.workingDir || '/', name);
    const resolved = view.resolve(absolute);
    if (resolved.found && resolved.file.type !== 'dir')
      return { argv, path: absolute, file: resolved.file, searched: [absolute] };
    return { argv, path: null, file: null, searched: [absolute] };
  }
  const searchPath = envValue(view, 'PATH') ?? DOCKER_DEFAULT_PATH;
  const searched: string[] = [];
  for (const dir of searchPath.split(':')) {
    const candidate = path.resolve('/', view.config.workingDir || '/', dir || '.', name);
    searched.push(candidate);
    const resolved = view.resolve(candidate);
    if (resolved.found && resolved.file.type === 'file' && isExecutableFile(resolved.file.mode)) {
      return { argv, path: candidate, file: resolved.file, searched };
    }
  }
  return { argv, path: null, file: null, searched };
}

export function resolveEntrypoint(view: ImageView): ResolvedEntrypoint | null {
  const argv = entrypointArgv(view);
  if (argv.length === 0) return null;
  return { ...lookPath(view, argv[0]), argv };
}

interface UserIdentity {
  uid: number;
  gids: number[];
  description: string;
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

/** The image USER as runc resolves it against /etc/passwd and /etc/group; a string is an error. */
export function resolveUser(view: ImageView): UserIdentity | string {
  const spec = view.config.user || 'root';
  const [userPart, groupPart] = spec.split(':');
  const passwd = readTable(view, '/etc/passwd') ?? [];
  const groups = readTable(view, '/etc/group') ?? [];
  let uid: number;
  let gid = 0;
  let name: string | null = null;
  const byName = passwd.find((e) => e[0] === userPart);
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const entry = passwd.find((e) => e[2] === userPart);
    if (entry) {
      gid = Number(entry[3]);
      name = entry[0];
    }
  } else if (byName) {
    uid = Number(byName[2]);
    gid = Number(byName[3]);
    name = userPart;
  } else if (userPart === 'root') {
    uid = 0;
  } else {
    return `USER ${spec}: no user '${userPart}' in the image's /etc/passwd (docker: unable to find user ${userPart}: no matching entries in passwd file)`;
  }
  if (groupPart !== undefined) {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const group = groups.find((g) => g[0] === groupPart);
      if (!group) return `USER ${spec}: no group '${groupPart}' in the image's /etc/group`;
      gid = Number(group[2]);
    }
  }
  const gids = [gid];
  if (name !== null && groupPart === undefined) {
    for (const group of groups) {
      const members = (group[3] ?? '').split(',');
      if (members.includes(name) && !gids.includes(Number(group[2]))) gids.push(Number(group[2]));
    }
  }
  return { uid, gids, description: `USER ${spec} (uid ${uid}, gid ${gids.join(',')})` };
}

/** Which mode bits apply to this user for this file: root needs any x bit. */
function mayExecute(user: UserIdentity, file: ImageFile, bit = 0o1): boolean {
  if (user.uid === 0) return bit === 0o1 ? isExecutableFile(file.mode) : true;
  if (file.uid === user.uid) return (file.mode & (bit << 6)) !== 0;
  if (user.gids.includes(file.gid)) return (file.mode & (bit << 3)) !== 0;
  return (file.mode & bit) !== 0;
}

function modeString(file: ImageFile): string {
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

export const entrypointRules: Rule = {
  ids: ['EG301', 'EG302', 'EG303'],
  check(ctx) {
    const view = ctx.image;
    const entry = resolveEntrypoint(view);
    const findings: Finding[] = [];
    if (entry === null) {
      findings.push(
        finding(
          'EG301',
          'note',
          null,
          'The image has no ENTRYPOINT or CMD: the command given at run time was not checked',
          ['image config: Entrypoint and Cmd are empty'],
          blameEntrypoint(ctx, false),
        ),
      );
      return findings;
    }
    const argv0 = entry.argv[0];
    const argvText = JSON.stringify(entry.argv);
    if (entry.path === null || entry.file === null) {
      const absolute = path.resolve('/', view.config.workingDir || '/', argv0);
      // runc's words (libcontainer): a path is stat'ed, a bare name looked up in PATH.
      const runtimeError = argv0.includes('/')
        ? `exec: "${argv0}": stat ${absolute}: no such file or directory`
        : `exec: "${argv0}": executable file not found in $PATH`;
      findings.push({
        runtimeError,
        ...finding(
          'EG301',
          ruleMeta('EG301').defaultLevel,
          argv0.includes('/') ? path.resolve('/', view.config.workingDir || '/', argv0) : null,
          argv0.includes('/')
            ? `The entrypoint ${argv0} does not exist in the image`
            : `The entrypoint ${argv0} is not an executable file in any PATH directory of the image`,
          [
            `command: ${argvText}`,
            argv0.includes('/')
              ? `looked at ${entry.searched[0]}`
              : `searched PATH: ${entry.searched.join(', ')}`,
          ],
          blameEntrypoint(ctx, false),
        ),
      });
      return findings;
    }
    const user = resolveUser(view);
    if (typeof user === 'string') {
      findings.push(
        finding(
          'EG302',
          ruleMeta('EG302').defaultLevel,
          entry.path,
          user,
          [`command: ${argvText}`],
          blameEntrypoint(ctx, true),
        ),
      );
      return findings;
    }
    const resolved = view.resolve(entry.path);
    const realPath = resolved.found ? resolved.path : entry.path;
    const blocked = blockedDirectory(view, user, realPath);
    if (!mayExecute(user, entry.file) || blocked) {
      findings.push(
        finding(
          'EG302',
          ruleMeta('EG302').defaultLevel,
          entry.path,
          blocked
            ? `${user.description} cannot reach ${entry.path}: no search permission on ${blocked}`
            : `${user.description} may not execute ${entry.path}`,
          [`${realPath}: ${modeString(entry.file)}`, user.description, `command: ${argvText}`],
          blameEntrypoint(ctx, true),
        ),
      );
      return findings;
    }
    if (entry.file.elf === null) {
      findings.push(...checkScript(ctx, entry.path, entry.file, argvText));
    }
    return findings;
  },
};

function checkScript(
  ctx: RuleContext,
  scriptPath: string,
  file: ImageFile,
  argvText: string,
): Finding[] {
  const view = ctx.image;
  const blame = blameEntrypoint(ctx, false);
  if (file.shebang === null) {
    if (file.elfError) return []; // an unreadable ELF: the ELF rules say what is wrong with it
    return [
      finding(
        'EG303',
        ruleMeta('EG303').defaultLevel,
        scriptPath,
        `The entrypoint ${scriptPath} is neither an ELF program nor a #! script`,
        [`command: ${argvText}`, 'the kernel refuses it: exec format error'],
        blame,
      ),
    ];
  }
  const words = file.shebang.trim().split(/\s+/);
  const interpreter = words[0] ?? '';
  const interpreterPath = path.resolve('/', view.config.workingDir || '/', interpreter);
  const resolved = view.resolve(interpreterPath);
  const evidence = [`${scriptPath} starts with #!${file.shebang}`, `command: ${argvText}`];
  if (!resolved.found || resolved.file.type !== 'file') {
    return [
      finding(
        'EG303',
        ruleMeta('EG303').defaultLevel,
        scriptPath,
        `The interpreter ${interpreter} of the entrypoint script ${scriptPath} is not in the image`,
        [...evidence, `${interpreterPath} does not exist`],
        blame,
      ),
    ];
  }
  if (!isExecutableFile(resolved.file.mode)) {
    return [
      finding(
        'EG303',
        ruleMeta('EG303').defaultLevel,
        scriptPath,
        `The interpreter ${interpreter} of the entrypoint script ${scriptPath} is not executable`,
        [...evidence, `${resolved.path}: ${modeString(resolved.file)}`],
        blame,
      ),
    ];
  }
  // `#!/usr/bin/env prog`: env looks prog up in PATH at run time.
  if (path.basename(interpreter) === 'env' && words.length > 1) {
    const program = words.slice(1).find((w) => !w.startsWith('-'));
    if (program !== undefined) {
      const found = lookPath(view, program);
      if (found.path === null) {
        // BusyBox's env and GNU coreutils' env word the failure differently.
        const busybox = path.basename(resolved.path) === 'busybox';
        const runtimeError = busybox
          ? `env: can't execute '${program}': No such file or directory`
          : `${interpreter}: '${program}': No such file or directory`;
        return [
          {
            ...finding(
              'EG303',
              ruleMeta('EG303').defaultLevel,
              scriptPath,
              `${program}, which the entrypoint script ${scriptPath} runs through env, is not in the image's PATH`,
              [...evidence, `searched PATH: ${found.searched.join(', ')}`],
              blame,
            ),
            runtimeError,
          },
        ];
      }
    }
  }
  return [];
}
