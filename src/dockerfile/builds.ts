/**
 * What a build in a RUN produced and with which GOOS/GOARCH/CGO_ENABLED: `go build`/`go install`
 * read from the command line and the environment (Go's documented defaults where nothing sets a
 * value: `go help environment`, cmd/go's cgo default), and opaque builders (make, scripts) whose
 * settings the Dockerfile does not show.
 */
import { posix } from 'node:path';
import { UNKNOWN_MARK } from './expand.js';
import { binaryName, emptyFlags, parseGoCommand, type GoCommand } from './gobuild.js';
import {
  addEvent,
  cleanPath,
  formatPlatform,
  parsePlatform,
  type FileEvent,
  type Origin,
  type ReadContext,
  type StageState,
  type Var,
} from './state.js';
import type { Instruction } from './syntax.js';
import type { DeclaredTriple, DeclaredValue, GoBuildFlags } from './types.js';

function declaredFor(
  ctx: ReadContext,
  state: StageState,
  envFor: (name: string) => Var | undefined,
  line: number,
  xx: boolean,
  opaque: string | null,
): DeclaredTriple {
  const explicit = (name: string): DeclaredValue | null => {
    const v = envFor(name);
    if (!v || v.value === '') return null;
    if (v.value.includes(UNKNOWN_MARK))
      return { value: null, implicit: false, origin: `computed at build time (${v.origin})` };
    return { value: v.value, implicit: false, origin: v.origin };
  };
  const platformNote = state.pinned
    ? `the stage's --platform ${formatPlatform(state.platform)}`
    : `the target platform ${formatPlatform(state.platform)}`;
  let goos: DeclaredValue;
  let goarch: DeclaredValue;
  if (xx || state.xxWrapped) {
    // xx-go sets GOOS/GOARCH from TARGETPLATFORM (the ARG when declared, else the target).
    const tp = envFor('TARGETPLATFORM')?.value;
    const platform = tp ? parsePlatform(tp, `line ${line}`) : ctx.target;
    const origin = `xx-go (TARGETPLATFORM ${formatPlatform(platform)})`;
    goos = { value: platform.os, implicit: false, origin };
    goarch = { value: platform.arch, implicit: false, origin };
  } else {
    goos = explicit('GOOS') ?? {
      value: state.platform.os,
      implicit: true,
      origin: `Go default: ${platformNote}${opaque ? `, unless ${opaque} sets it` : ''}`,
    };
    goarch = explicit('GOARCH') ?? {
      value: state.platform.arch,
      implicit: true,
      origin: `Go default: ${platformNote}${opaque ? `, unless ${opaque} sets it` : ''}`,
    };
  }
  let cgo = explicit('CGO_ENABLED');
  if (!cgo) {
    const cross =
      goos.value !== null &&
      goarch.value !== null &&
      (goos.value !== state.platform.os || goarch.value !== state.platform.arch);
    if (opaque)
      cgo = { value: null, implicit: false, origin: `decided by ${opaque} (line ${line})` };
    else if (goos.value === null || goarch.value === null)
      cgo = {
        value: null,
        implicit: true,
        origin: 'Go default: depends on GOOS/GOARCH decided at build time',
      };
    else if (cross) {
      const cc = envFor('CC')?.value;
      cgo = cc
        ? { value: '1', implicit: true, origin: `Go default: cross-compiling with CC=${cc}` }
        : {
            value: '0',
            implicit: true,
            origin: `Go default: cross-compiling to ${goos.value}/${goarch.value}`,
          };
    } else
      cgo = {
        value: state.compiler.present ? '1' : '0',
        implicit: true,
        origin: `Go default: ${state.compiler.why}`,
      };
  }
  return { GOOS: goos, GOARCH: goarch, CGO_ENABLED: cgo };
}

export function recordGoBuild(
  ctx: ReadContext,
  state: StageState,
  instruction: Instruction,
  go: GoCommand,
  envFor: (name: string) => Var | undefined,
  cwd: string,
): void {
  const line = instruction.range.startLine;
  const declared = declaredFor(ctx, state, envFor, line, go.xx, null);
  const origin: Origin = {
    stage: state.label,
    source: 'built',
    declared,
    flags: withGoflags(go.flags, envFor('GOFLAGS')?.value),
    built: instruction.range,
    notes: [],
  };
  // `go install some/library/path` installs nothing (not a main package); only package paths
  // that look like commands get a name, the rest may or may not leave a binary.
  const looksLikeCommand = (pkg: string): boolean =>
    go.subcommand === 'build' || /^\.|\/cmd\/|@|\.go$/.test(pkg);
  const names =
    go.packages.length === 0
      ? [null]
      : go.packages.map((pkg) => (looksLikeCommand(pkg) ? binaryName(pkg) : null));
  const push = (kind: FileEvent['kind'], path: string): void => {
    addEvent(state, {
      kind,
      path: cleanPath(path),
      origin,
      chain: [
        {
          stage: state.label,
          instruction: 'RUN',
          range: instruction.range,
          path: cleanPath(path),
        },
      ],
      chmod: null,
      chown: null,
    });
  };
  let dir: string;
  if (go.subcommand === 'install') {
    const gobin = envFor('GOBIN')?.value;
    const gopath =
      envFor('GOPATH')?.value?.split(':')[0] ??
      (/golang/.test(state.rootImage) ? '/go' : '/root/go');
    const cross =
      declared.GOOS.value !== state.platform.os || declared.GOARCH.value !== state.platform.arch;
    dir = gobin
      ? gobin
      : cross
        ? `${gopath}/bin/${declared.GOOS.value}_${declared.GOARCH.value}`
        : `${gopath}/bin`;
  } else if (go.output !== null) {
    const output = posix.resolve(cwd, go.output);
    if (!go.output.endsWith('/') && names.length <= 1) {
      push('file', output);
      return;
    }
    dir = output;
  } else dir = cwd;
  for (const name of names) {
    if (name === null || name.includes(UNKNOWN_MARK)) push('some', dir);
    else push('file', posix.join(dir, name + (declared.GOOS.value === 'windows' ? '.exe' : '')));
  }
}

export function recordOpaqueBuild(
  ctx: ReadContext,
  state: StageState,
  instruction: Instruction,
  command: string,
  envFor: (name: string) => Var | undefined,
  cwd: string,
  argv: string[] = [],
  passed: { os: string; arch: string } | null = null,
): void {
  const line = instruction.range.startLine;
  const declared = declaredFor(ctx, state, envFor, line, false, command);
  for (const [key, value] of [
    ['GOOS', passed?.os],
    ['GOARCH', passed?.arch],
  ] as const) {
    if (value && declared[key].implicit) {
      declared[key] = {
        value,
        implicit: false,
        origin: `the target platform passed to ${command} (line ${line})`,
      };
    }
  }
  const origin: Origin = {
    stage: state.label,
    source: 'built',
    declared,
    flags: emptyFlags(),
    built: instruction.range,
    notes: [
      `built by \`${command}\` (line ${line}): the Dockerfile does not show its go build flags; GOOS/GOARCH are the values the environment gives it`,
    ],
  };
  // Where it writes: the absolute directories it is given (`build.sh /extensions`), else
  // anywhere (a Makefile may install to /go/bin or write to ./bin).
  const scopes = argv.slice(1).filter((w) => w.startsWith('/') && !w.includes(UNKNOWN_MARK));
  for (const scope of scopes.length > 0 ? scopes : ['/']) {
    const path = cleanPath(posix.resolve(cwd, scope));
    addEvent(state, {
      kind: 'some',
      path,
      origin,
      chain: [{ stage: state.label, instruction: 'RUN', range: instruction.range, path }],
      chmod: null,
      chown: null,
    });
  }
}

/**
 * GOFLAGS (`go help environment`: space-separated flags applied to every go command) fills in
 * what the command line does not set; the command line wins.
 */
function withGoflags(flags: GoBuildFlags, goflags: string | undefined): GoBuildFlags {
  if (!goflags || goflags.includes(UNKNOWN_MARK)) return flags;
  const fromEnv = parseGoCommand(['go', 'build', ...goflags.split(/\s+/).filter(Boolean)])?.flags;
  if (!fromEnv) return flags;
  return {
    ldflags: flags.ldflags ?? fromEnv.ldflags,
    tags: flags.tags.length > 0 ? flags.tags : fromEnv.tags,
    trimpath: flags.trimpath || fromEnv.trimpath,
    buildmode: flags.buildmode ?? fromEnv.buildmode,
    linkmode: flags.ldflags !== null ? flags.linkmode : fromEnv.linkmode,
    extldflags: flags.ldflags !== null ? flags.extldflags : fromEnv.extldflags,
  };
}
