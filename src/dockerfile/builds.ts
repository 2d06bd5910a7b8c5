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

/**
 * GOOS/GOARCH/CGO_ENABLED of a build: the environment's values; xx-go's target; else Go's
 * defaults (`go help environment`; cgo on for native builds with a C compiler on PATH, off when
 * cross-compiling without CC: cmd/go's autocgo). For an opaque builder (make, a script) that
 * may set them itself, the defaults go to `assumed`, and `value` stays null.
 */
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
      return {
        value: null,
        assumed: null,
        implicit: false,
        origin: `computed at build time (${v.origin})`,
      };
    return { value: v.value, assumed: null, implicit: false, origin: v.origin };
  };
  const platformNote = state.pinned
    ? `the stage's --platform ${formatPlatform(state.platform)}`
    : `the target platform ${formatPlatform(state.platform)}`;
  /** Go's default: the value itself for a go build, an assumption beside null for a script. */
  const byDefault = (value: string | null, why: string): DeclaredValue =>
    opaque
      ? {
          value: null,
          assumed: value,
          implicit: false,
          origin: `decided by ${opaque} (line ${line}); Go's default: ${why}`,
        }
      : { value, assumed: null, implicit: true, origin: `Go default: ${why}` };
  let goos: DeclaredValue;
  let goarch: DeclaredValue;
  if (xx || state.xxWrapped) {
    // xx-go sets GOOS/GOARCH from TARGETPLATFORM (the ARG when declared, else the target).
    const tp = envFor('TARGETPLATFORM')?.value;
    const platform = tp ? parsePlatform(tp, `line ${line}`) : ctx.target;
    const origin = `xx-go (TARGETPLATFORM ${formatPlatform(platform)})`;
    goos = { value: platform.os, assumed: null, implicit: false, origin };
    goarch = { value: platform.arch, assumed: null, implicit: false, origin };
  } else {
    goos = explicit('GOOS') ?? byDefault(state.platform.os, platformNote);
    goarch = explicit('GOARCH') ?? byDefault(state.platform.arch, platformNote);
  }
  let cgo = explicit('CGO_ENABLED');
  if (!cgo) {
    const os = goos.value ?? goos.assumed;
    const arch = goarch.value ?? goarch.assumed;
    const cross =
      os !== null && arch !== null && (os !== state.platform.os || arch !== state.platform.arch);
    if (os === null || arch === null)
      cgo = {
        value: null,
        assumed: null,
        implicit: !opaque,
        origin: opaque
          ? `decided by ${opaque} (line ${line})`
          : 'Go default: depends on GOOS/GOARCH decided at build time',
      };
    else if (cross) {
      const cc = envFor('CC')?.value;
      cgo = cc
        ? byDefault('1', `cross-compiling with CC=${cc}`)
        : byDefault('0', `cross-compiling to ${os}/${arch}`);
    } else if (state.compiler.present === null)
      cgo = opaque
        ? byDefault(null, state.compiler.why)
        : {
            value: null,
            assumed: null,
            implicit: true,
            origin: `Go default: ${state.compiler.why}`,
          };
    else cgo = byDefault(state.compiler.present ? '1' : '0', state.compiler.why);
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
  // `go install std` (or cmd, all) installs the standard library, no command. A single named
  // package in a Dockerfile is installed to be run: its binary is named after the path.
  // Several library packages at once (`go install pkg/a pkg/b` to fill the build cache) leave no
  // binary: of a list, only paths that look like commands are named.
  const looksLikeCommand = (pkg: string): boolean =>
    go.subcommand !== 'install' ||
    (!/^(std|cmd|all)$/.test(pkg) && (go.packages.length === 1 || /^\.|\/cmd\/|@|\.go$/.test(pkg)));
  // `go test -c` names the binary after the package, with `.test` (`go help testflag`).
  const suffix = go.subcommand === 'test' ? '.test' : '';
  // A list of .go files is one package, whose binary is named after the first file
  // (`go help build`: "go build ed.go rx.go writes ed").
  const packages = go.packages.every((p) => p.endsWith('.go'))
    ? go.packages.slice(0, 1)
    : go.packages;
  const names =
    packages.length === 0
      ? [null]
      : packages.map((pkg) => {
          const name = looksLikeCommand(pkg) ? binaryName(pkg) : null;
          return name === null ? null : name + suffix;
        });
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

/** Variables through which make and build scripts are told which folder to write to. */
const OUTPUT_VARIABLES = [
  'DESTDIR',
  'TARGET',
  'OUTDIR',
  'OUT_DIR',
  'OUTPUT_DIR',
  'BINDIR',
  'BIN_DIR',
  'INSTALL_PATH',
  'INSTALL_DIR',
  'PREFIX',
  'GOBIN',
];
/** Variables that name the file written (`make OUTPUT=/target/app/gotify-app`). */
const OUTPUT_FILE_VARIABLES = ['OUTPUT', 'OUT', 'BINARY_PATH'];

/**
 * A build the Dockerfile does not show (make, a build script, xcaddy): its output is a set of
 * files it names at best (`make peer`), under the folders it is told to write to (DESTDIR=/out,
 * TARGET=/out, an absolute argument, --output), else under its working directory and the Go
 * install folder ($GOBIN or $GOPATH/bin) where a Makefile's `go build`/`go install` writes, and
 * $PREFIX (/usr/local) for an install target; anywhere when the working directory is unsure. A later build overrides an earlier file only
 * where it can write. `direct`: a `go build` the model cannot read (cmd, PowerShell), whose
 * values are still Go's defaults rather than a script's choice.
 */
export function recordOpaqueBuild(
  ctx: ReadContext,
  state: StageState,
  instruction: Instruction,
  command: string,
  envFor: (name: string) => Var | undefined,
  workdir: string | null,
  argv: string[] = [],
  passed: { os: string; arch: string } | null = null,
  direct = false,
): void {
  // An unsure working directory (null): the build may write anywhere.
  let cwd = workdir ?? '/';
  const line = instruction.range.startLine;
  const declared = declaredFor(ctx, state, envFor, line, false, direct ? null : command);
  for (const [key, value] of [
    ['GOOS', passed?.os],
    ['GOARCH', passed?.arch],
  ] as const) {
    if (value && declared[key].value === null && declared[key].assumed !== null) {
      declared[key] = {
        value,
        assumed: null,
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
  const program = (argv[0] ?? '').split('/').pop() ?? '';
  const make = program === 'make' || program === 'gmake';
  const known = (w: string | undefined): w is string => !!w && !w.includes(UNKNOWN_MARK);
  const outputs: string[] = [];
  const files: string[] = [];
  const names: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(word);
    if (assignment) {
      const [, name, value] = assignment as unknown as [string, string, string];
      if (!known(value) || value === '') continue;
      if (OUTPUT_VARIABLES.includes(name)) outputs.push(value);
      else if (OUTPUT_FILE_VARIABLES.includes(name) && value.startsWith('/'))
        (value.endsWith('/') ? outputs : files).push(value);
    } else if (make && (word === '-C' || word === '--directory') && known(argv[i + 1])) {
      cwd = posix.resolve(cwd, argv[++i]!);
    } else if (!make && (word === '--output' || word === '-o') && known(argv[i + 1])) {
      // xcaddy and most build scripts: the file written.
      const value = argv[++i]!;
      (value.endsWith('/') ? outputs : files).push(value);
    } else if (!make && word.startsWith('--output=') && known(word.slice(9))) {
      const value = word.slice(9);
      (value.endsWith('/') ? outputs : files).push(value);
    } else if (word.startsWith('/') && known(word)) outputs.push(word);
    else if (make && !word.startsWith('-') && known(word) && !NON_BUILD_TARGET.test(word))
      names.push(word);
  }
  for (const name of OUTPUT_VARIABLES) {
    const value = envFor(name)?.value;
    if (name !== 'PREFIX' && name !== 'GOBIN' && known(value) && value) outputs.push(value);
  }
  const push = (kind: FileEvent['kind'], path: string): void => {
    addEvent(state, {
      kind,
      path,
      origin,
      chain: [{ stage: state.label, instruction: 'RUN', range: instruction.range, path }],
      chmod: null,
      chown: null,
      ...(kind === 'some' && names.length > 0 ? { names } : {}),
    });
  };
  for (const file of files) push('file', cleanPath(posix.resolve(cwd, file)));
  if (files.length > 0 && outputs.length === 0) return;
  let scopes = outputs;
  if (scopes.length === 0) {
    const gopath =
      envFor('GOPATH')?.value?.split(':')[0] ??
      (/golang/.test(state.rootImage) ? '/go' : '/root/go');
    const gobin = envFor('GOBIN')?.value;
    scopes = [workdir === null ? '/' : cwd, known(gobin) && gobin ? gobin : `${gopath}/bin`];
    // xgo images write every build to /build (techknowlogick/xgo, crazy-max/xgo README).
    if (/(^|\/)xgo[:@]|\/xgo$/.test(state.rootImage)) scopes.push('/build');
    if (names.some((n) => /install/.test(n)) || (!make && /install/.test(command))) {
      const prefix = envFor('PREFIX')?.value;
      scopes.push(known(prefix) && prefix ? prefix : '/usr/local');
    }
  }
  for (const scope of new Set(scopes.map((s) => cleanPath(posix.resolve(cwd, s)))))
    push('some', scope);
}

/** make targets that build nothing for the image. */
const NON_BUILD_TARGET =
  /^(clean|clean-\w+|test|tests|check|lint|fmt|vet|mocks|generate|deps|tidy|vendor|download|tools|help|print-\S+)$/;

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
