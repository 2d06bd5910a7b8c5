/**
 * RUN (BuildKit's dispatchRun): reads the shell text of a RUN (or its here-documents) command by
 * command with the stage's environment, and records what the commands write: go builds (see
 * builds.ts), opaque builders (make, mage, build scripts), `cp`/`mv`/`install` of files the stage
 * or a `--mount=from=` stage holds, and downloads.
 */
import { posix } from 'node:path';
import { installsCompiler } from './base.js';
import { recordGoBuild, recordOpaqueBuild } from './builds.js';
import { copySourceFrom, isDirectory, lookupFiles } from './copy.js';
import { UNKNOWN_MARK, expandWord, type Lookup } from './expand.js';
import { emptyFlags, parseGoCommand } from './gobuild.js';
import { lookupIn } from './scope.js';
import { alternativeOf, guardsAllow, substituteKnown, type KnownOutputs } from './conditions.js';
import { assignmentOf, splitCommands } from './shell.js';
import {
  addEvent,
  cleanPath,
  emptyTriple,
  expand,
  parsePlatform,
  type FileEvent,
  type Origin,
  type ReadContext,
  type StageState,
  type Var,
} from './state.js';
import type { Instruction } from './syntax.js';
import type { DeclaredTriple, DeclaredValue, Platform } from './types.js';

const NON_BUILD_TARGETS =
  /^(clean|clean-\w+|test|tests|check|lint|fmt|vet|mocks|generate|deps|tidy|vendor|download|tools|help)$/;
const BUILD_SCRIPT = /build|release|install|compile|dist|ci\.go|make/i;

const OPAQUE_BUILDERS = new Set([
  'xcaddy',
  'make',
  'gmake',
  'mage',
  'goreleaser',
  'promu',
  'xgo',
  'task',
  'just',
  'bazel',
  'ninja',
  'cargo',
]);

export function dispatchRun(ctx: ReadContext, state: StageState, instruction: Instruction): void {
  // RUN --mount=type=bind,from=<stage>: paths under the target read that stage's files.
  const mounts: Mount[] = [];
  for (const flag of instruction.flags.filter((f) => f.name === 'mount' && f.value)) {
    const options = new Map(
      flag.value!.split(',').map((kv) => {
        const eq = kv.indexOf('=');
        return (eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)]) as [string, string];
      }),
    );
    const type = options.get('type') ?? 'bind';
    const from = options.get('from');
    // A from-mount without a target is read in the working directory (compose's releaser
    // stages rely on it: `RUN --mount=from=binary cp docker-compose* /out`).
    const target =
      options.get('target') ??
      options.get('dst') ??
      options.get('destination') ??
      (from ? '.' : undefined);
    if (type !== 'bind' || !target) continue;
    const stage = from ? copySourceFrom(ctx, state, instruction, from) : null;
    mounts.push({
      target: posix.resolve(state.workdir, expand(ctx, target, lookupIn(state), instruction)),
      source: posix.resolve('/', options.get('source') ?? options.get('src') ?? '/'),
      stage: typeof stage === 'string' ? null : stage,
    });
  }
  // Texts to run: the command line, or the here-document bodies a shell reads.
  const texts: string[] = [];
  if (instruction.json) texts.push(instruction.json.map(shellQuote).join(' '));
  else if (instruction.heredocs.length > 0) {
    const head = instruction.args.replace(/<<-?(["']?)[A-Za-z_][\w.-]*\1/g, '').trim();
    if (head === '' || /^(\/bin\/)?(ba|a|da)?sh(\s+-\S+)*$/.test(head))
      texts.push(...instruction.heredocs.map((h) => h.body));
    else texts.push(head);
  } else texts.push(instruction.args);
  if (!/(^|\/)(ba|a|da)?sh$/.test(state.shell[0] ?? '')) {
    // cmd or PowerShell: no sh grammar to read; a make or go build in it decides the values.
    const found = /\b(make\s+[\w.-]+|go\s+(build|install)|mage\s+\S+)/.exec(texts.join(' '));
    if (found) {
      const env = new Map<string, Var>(
        [...state.args].filter((e): e is [string, Var] => e[1] !== null),
      );
      for (const [name, value] of state.env) env.set(name, value);
      recordOpaqueBuild(
        ctx,
        state,
        instruction,
        found[1]!,
        (name) => env.get(name),
        null,
        [],
        null,
        found[2] !== undefined,
      );
    }
    return;
  }
  // The RUN environment: ENV and ARG values (ARG section: exported to RUN), ENV winning.
  const exported = new Map<string, Var>();
  for (const [name, value] of state.args) if (value) exported.set(name, value);
  for (const [name, value] of state.env) exported.set(name, value);
  const shell: ShellRun = {
    ctx,
    state,
    instruction,
    mounts,
    cwd: state.workdir,
    cwdSure: state.workdirSure,
    downloadedFrom: null,
    alternatives: new Map(),
  };
  for (const text of texts) readShell(shell, text, exported, new Map(), 0);
  for (const group of shell.alternatives.values()) mergeAlternatives(shell, group);
}

/** Commands whose running the model cannot decide: their writes per arm, for "one of these". */
interface Alternatives {
  what: string;
  arms: Map<string, FileEvent[]>;
}

/** One RUN being read: what its commands share. */
interface ShellRun {
  ctx: ReadContext;
  state: StageState;
  instruction: Instruction;
  mounts: Mount[];
  cwd: string;
  /** False while the working directory comes from an unsure WORKDIR. */
  cwdSure: boolean;
  downloadedFrom: string | null;
  alternatives: Map<string, Alternatives>;
}

interface Mount {
  target: string;
  source: string;
  stage: StageState | null;
}

/** Nesting of `sh -c '…'` read as shell text; deeper strings are not read. */
const MAX_SHELL_DEPTH = 4;

/**
 * Reads shell text command by command (shell.ts), with `exported` as the environment and
 * `shellVars` as the unexported variables. Commands an `if`/`case`/`&&` guard rules out are
 * skipped; commands whose guard cannot be decided write into "alternatives" (merged at the
 * end of the RUN), so that the branches are "one of these", never all of them.
 */
function readShell(
  run: ShellRun,
  text: string,
  exported: Map<string, Var>,
  shellVars: Map<string, Var>,
  depth: number,
): void {
  const { ctx, state, instruction } = run;
  const line = instruction.range.startLine;
  for (const command of splitCommands(text)) {
    const lookup: Lookup = (name) => shellVars.get(name)?.value ?? exported.get(name)?.value;
    const tp = lookup('TARGETPLATFORM');
    const known: KnownOutputs = {
      stage: state.platform,
      xxTarget: tp && !tp.includes(UNKNOWN_MARK) ? safePlatform(tp, ctx.target) : ctx.target,
      env: lookup,
    };
    const expand = (word: string): string => {
      try {
        return expandWord(substituteKnown(word, known), lookup, { shell: true });
      } catch {
        return UNKNOWN_MARK;
      }
    };
    // Unquoted expansions are split on whitespace and vanish when empty, as in sh.
    const argvOf = (words: string[]): string[] =>
      words.flatMap((word) => {
        const value = expand(word);
        if (/["']/.test(word) || !word.includes('$')) return [value];
        return value.split(/\s+/).filter(Boolean);
      });
    const runs = guardsAllow(command.guards, argvOf);
    if (runs === false) continue;
    const sure = runs === true && !command.uncertain;
    const alternative = runs === null ? alternativeOf(command.guards, argvOf) : null;
    if (alternative) {
      const group = run.alternatives.get(alternative.key) ?? {
        what: alternative.what,
        arms: new Map<string, FileEvent[]>(),
      };
      run.alternatives.set(alternative.key, group);
      const arm = group.arms.get(alternative.arm) ?? [];
      group.arms.set(alternative.arm, arm);
      const before = state.events.length;
      readCommand(run, command.words, { expand, argvOf, sure, line }, exported, shellVars, depth);
      arm.push(...state.events.slice(before));
    } else
      readCommand(run, command.words, { expand, argvOf, sure, line }, exported, shellVars, depth);
  }
}

function safePlatform(text: string, fallback: Platform): Platform {
  try {
    return parsePlatform(text, 'TARGETPLATFORM');
  } catch {
    return fallback;
  }
}

/** One simple command of a RUN: assignments, exports, `cd`, builds, copies and downloads. */
function readCommand(
  run: ShellRun,
  raw: string[],
  how: {
    expand: (word: string) => string;
    argvOf: (words: string[]) => string[];
    sure: boolean;
    line: number;
  },
  exported: Map<string, Var>,
  shellVars: Map<string, Var>,
  depth: number,
): void {
  const { ctx, state, instruction } = run;
  const { expand, argvOf, sure, line } = how;
  let words = raw;
  const inline = new Map<string, Var>();
  while (words.length > 0 && assignmentOf(words[0]!)) {
    const a = assignmentOf(words[0]!)!;
    inline.set(a.name, { value: expand(a.value), origin: `inline on RUN line ${line}` });
    words = words.slice(1);
  }
  if (words.length === 0) {
    // `NAME=value` alone sets a shell variable; an exported one reaches later commands.
    // When it is not certain to run, the model keeps the value before.
    if (!sure) return;
    for (const [name, value] of inline) {
      const v = { value: value.value, origin: `set on RUN line ${line}` };
      if (exported.has(name)) exported.set(name, v);
      else shellVars.set(name, v);
    }
    return;
  }
  let argv = argvOf(words);
  if (argv.length === 0) return;
  if (argv[0] === 'export') {
    if (!sure) return;
    for (const word of words.slice(1)) {
      const a = assignmentOf(word);
      if (a)
        exported.set(a.name, {
          value: expand(a.value),
          origin: `export on RUN line ${line}`,
        });
      else if (shellVars.has(word)) exported.set(word, shellVars.get(word)!);
    }
    return;
  }
  // `env X=Y cmd`, `sudo`, `time`, `exec`: the command that follows.
  while (argv.length > 1 && ['env', 'exec', 'time', 'sudo', 'nice', 'command'].includes(argv[0]!)) {
    const isEnv = argv[0] === 'env';
    argv = argv.slice(1);
    words = words.slice(1);
    while (isEnv && argv.length > 0 && (assignmentOf(words[0]!) || argv[0]!.startsWith('-'))) {
      const a = assignmentOf(words[0]!);
      if (a) inline.set(a.name, { value: expand(a.value), origin: `inline on RUN line ${line}` });
      argv = argv.slice(1);
      words = words.slice(1);
    }
  }
  const program = argv[0]!;
  const base = program.split('/').pop()!;
  const envFor = (name: string): Var | undefined => inline.get(name) ?? exported.get(name);
  // `sh -c 'script'`, `bash -c "…"`: the string is shell text run with this environment.
  const scriptAt = /^(ba|a|da)?sh$/.test(base)
    ? argv.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w))
    : -1;
  if (scriptAt > 0 && argv[scriptAt + 1] !== undefined && depth < MAX_SHELL_DEPTH) {
    const inner = new Map(exported);
    for (const [name, value] of inline) inner.set(name, value);
    const { cwd, cwdSure } = run;
    readShell(run, argv[scriptAt + 1]!, inner, new Map(), depth + 1);
    Object.assign(run, { cwd, cwdSure });
    return;
  }
  if (program === 'cd') {
    const to = argv[1] ?? '/root';
    run.cwd = posix.resolve(run.cwd, to);
    run.cwdSure = posix.isAbsolute(to) ? !to.includes(UNKNOWN_MARK) : run.cwdSure;
    return;
  }
  const compiler = installsCompiler(argv);
  if (compiler && !state.compiler.present)
    state.compiler = { present: true, why: `${compiler} (line ${line})` };
  if (program === 'xx-go' && argv[1] === '--wrap') {
    state.xxWrapped = true;
    return;
  }
  const go = parseGoCommand(argv);
  if (go) {
    recordGoBuild(ctx, state, instruction, go, envFor, run.cwd);
    return;
  }
  if (NATIVE_TOOLCHAIN.test(base) || (base === 'zig' && /^(cc|c\+\+)$/.test(argv[1] ?? ''))) {
    recordNativeBuild(state, instruction, argv, run.cwd, base === 'zig' ? `zig ${argv[1]}` : base);
    return;
  }
  if (['cp', 'mv', 'install', 'ln'].includes(program)) {
    recordCopyCommand(state, instruction, argv, run.cwd, run.mounts);
    return;
  }
  if (program === 'curl' || program === 'wget') {
    run.downloadedFrom = argv.find((w) => /^https?:\/\//.test(w)) ?? 'a URL';
    recordDownload(state, instruction, argv, run.cwd);
    return;
  }
  if (run.downloadedFrom && (program === 'tar' || program === 'unzip')) {
    // `curl ... | tar -x -C dir`: the archive's files land in dir.
    const flagAt = argv.findIndex((w) => w === '-C' || w === '--directory' || w === '-d');
    const dir =
      flagAt > 0 && argv[flagAt + 1] ? posix.resolve(run.cwd, argv[flagAt + 1]!) : run.cwd;
    const origin: Origin = {
      stage: state.label,
      source: 'downloaded',
      declared: emptyTriple(`downloaded from ${run.downloadedFrom}`),
      flags: emptyFlags(),
      built: instruction.range,
      notes: [],
    };
    addEvent(state, {
      kind: 'some',
      path: cleanPath(dir),
      origin,
      chain: [
        { stage: state.label, instruction: 'RUN', range: instruction.range, path: cleanPath(dir) },
      ],
      chmod: null,
      chown: null,
    });
    return;
  }
  const opaque = opaqueBuilder(argv);
  if (opaque) {
    // A script given the target platform (`mage release:xgo "$TARGETOS/$TARGETARCH"`,
    // `--platform $TARGETOS/$TARGETARCH`) builds for it.
    const givesTarget = words.some((w) => /\$\{?TARGET(OS|ARCH|PLATFORM)\b/.test(w));
    const tp = envFor('TARGETPLATFORM')?.value;
    const passed = givesTarget
      ? {
          os: envFor('TARGETOS')?.value || tp?.split('/')[0] || '',
          arch: envFor('TARGETARCH')?.value || tp?.split('/')[1] || '',
        }
      : null;
    recordOpaqueBuild(
      ctx,
      state,
      instruction,
      opaque,
      envFor,
      run.cwdSure ? run.cwd : null,
      argv,
      passed,
    );
  }
}

/**
 * "One of these": the writes of branches the model cannot choose between. A path every branch
 * writes stays a file; otherwise each directory written becomes files the Dockerfile does not
 * name (`some`), with the GOOS/GOARCH/CGO_ENABLED the branches agree on and null where they differ.
 */
function mergeAlternatives(run: ShellRun, group: Alternatives): void {
  const { state, instruction } = run;
  const arms = [...group.arms.values()].filter((arm) => arm.length > 0);
  if (arms.length === 0) return;
  const all = arms.flat();
  // Later commands of the RUN read these writes as they were; the stage keeps the merged ones.
  for (const event of all) event.superseded = true;
  const line = instruction.range.startLine;
  const note = `one of ${group.arms.size > 1 ? `${group.arms.size} branches` : 'the branches'} of \`${group.what}\` (line ${line}) writes here; the model cannot tell which runs`;
  const everywhere = (path: string): boolean =>
    arms.length > 1 && arms.every((arm) => arm.some((e) => e.kind === 'file' && e.path === path));
  const byPlace = new Map<string, FileEvent[]>();
  for (const event of all) {
    const place =
      event.kind === 'file' && everywhere(event.path)
        ? `file:${event.path}`
        : event.kind === 'file'
          ? posix.dirname(event.path)
          : event.path;
    byPlace.set(place, [...(byPlace.get(place) ?? []), event]);
  }
  for (const [place, events] of byPlace) {
    const isFile = place.startsWith('file:');
    const path = isFile ? place.slice('file:'.length) : place;
    const first = events[0]!;
    const origin: Origin = {
      stage: state.label,
      source: events.every((e) => e.origin.source === first.origin.source)
        ? first.origin.source
        : 'unknown',
      declared: agreedTriple(events.map((e) => e.origin.declared)),
      flags: events.length === 1 ? first.origin.flags : emptyFlags(),
      built: instruction.range,
      notes: [note, ...new Set(events.flatMap((e) => e.origin.notes))],
    };
    addEvent(state, {
      kind: isFile ? 'file' : 'some',
      path,
      origin,
      chain: [{ stage: state.label, instruction: 'RUN', range: instruction.range, path }],
      chmod: null,
      chown: null,
    });
  }
}

/** The values all alternatives declare alike; null (with the choices) where they differ. */
function agreedTriple(triples: DeclaredTriple[]): DeclaredTriple {
  const pick = (key: keyof DeclaredTriple): DeclaredValue => {
    const values = [...new Set(triples.map((t) => t[key].value))];
    if (values.length === 1) return triples[0]![key];
    return {
      value: null,
      assumed: null,
      implicit: false,
      origin: `one of ${values.map((v) => v ?? 'unknown').join(', ')} (a branch the model cannot choose)`,
    };
  };
  return { GOOS: pick('GOOS'), GOARCH: pick('GOARCH'), CGO_ENABLED: pick('CGO_ENABLED') };
}

/**
 * C, C++ and Rust compilers and linkers, run by name (`gcc`, `x86_64-linux-gnu-gcc`,
 * `clang-16`, `musl-gcc`, `ld.lld`, `rustc`, ...): they write the file `-o` names.
 */
const NATIVE_TOOLCHAIN =
  /^(?:[\w.]+-)*(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|tcc|rustc|ld|ld\.bfd|ld\.gold|ld\.lld|lld)(?:-\d+(?:\.\d+)*)?$/;

/**
 * A native build (`gcc … -o /out/app`): the file `-o` names (or `a.out` in the working folder
 * when gcc links without `-o`, as the GCC manual says) is built by this RUN. Compiling only
 * (`-c`, `-S`, `-E`) makes no program. GOOS/GOARCH/CGO_ENABLED do not apply to it.
 */
function recordNativeBuild(
  state: StageState,
  instruction: Instruction,
  argv: string[],
  cwd: string,
  tool: string,
): void {
  let output: string | null = null;
  let linking = true;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-o') output = argv[++i] ?? null;
    else if (/^-o./.test(word)) output = word.slice(2);
    else if (word === '-c' || word === '-S' || word === '-E' || word === '-M' || word === '-MM')
      linking = false;
  }
  if (output === null && (!linking || tool === 'rustc')) return;
  output ??= 'a.out';
  if (output === '-' || output.includes(UNKNOWN_MARK)) return;
  const line = instruction.range.startLine;
  recordRunOutput(
    state,
    instruction,
    cleanPath(posix.resolve(cwd, output)),
    'built',
    `not a Go build: ${tool} (line ${line})`,
  );
}

/** One file a command of this RUN writes, made (`built`) or fetched (`downloaded`) there. */
function recordRunOutput(
  state: StageState,
  instruction: Instruction,
  path: string,
  source: 'built' | 'downloaded',
  origin: string,
): void {
  addEvent(state, {
    kind: 'file',
    path,
    origin: {
      stage: state.label,
      source,
      declared: emptyTriple(origin),
      flags: emptyFlags(),
      built: instruction.range,
      notes: [],
    },
    chain: [{ stage: state.label, instruction: 'RUN', range: instruction.range, path }],
    chmod: null,
    chown: null,
  });
}

/** make, mage, scripts, `go run`: builds whose outputs and settings the Dockerfile does not show. */
function opaqueBuilder(argv: string[]): string | null {
  const program = argv[0]!;
  const base = program.split('/').pop()!;
  const operands = argv.slice(1).filter((w) => !w.startsWith('-') && !w.includes('='));
  if (base === 'make' || base === 'gmake') {
    // Targets that build nothing for the image (clean, test, lint...) are not builders.
    if (operands.length > 0 && operands.every((t) => NON_BUILD_TARGETS.test(t))) return null;
    return [base, operands[0] ?? ''].join(' ').trim();
  }
  if (OPAQUE_BUILDERS.has(base)) return [base, operands[0] ?? ''].join(' ').trim();
  // `go run build.go`, `sh build.sh`, `./scripts/build/binary`: builders when the name says
  // so. Installed programs (/usr/bin/buildctl --version) are not scripts of the project.
  if (base === 'go' && argv[1] === 'run') {
    const target = operands[1] ?? '';
    return BUILD_SCRIPT.test(target) ? `go run ${target}` : null;
  }
  const script = ['sh', 'bash'].includes(base) ? operands[0] : program;
  if (!script || /^\/(usr\/)?(local\/)?s?bin\//.test(script)) return null;
  const isScript =
    script.startsWith('./') ||
    /\.(sh|bash)$/.test(script) ||
    /^\.?\/?(build|hack|scripts?)\//.test(script);
  if (isScript && BUILD_SCRIPT.test(script))
    return ['sh', 'bash'].includes(base) ? `${base} ${script}` : script;
  return null;
}

function recordCopyCommand(
  state: StageState,
  instruction: Instruction,
  argv: string[],
  cwd: string,
  mounts: Mount[],
): void {
  const program = argv[0]!;
  if (program === 'ln') return;
  const operands: string[] = [];
  let targetDir: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (program === 'install' && ['-m', '-o', '-g', '--mode', '--owner', '--group'].includes(word))
      i++;
    else if ((word === '-t' || word === '--target-directory') && i + 1 < argv.length)
      targetDir = argv[++i]!;
    else if (!word.startsWith('-')) operands.push(word);
  }
  // A name computed at build time (`$(ls ...)`) becomes a wildcard in the recorded path.
  for (let k = 0; k < operands.length; k++)
    operands[k] = operands[k]!.split(UNKNOWN_MARK).join('*');
  if (targetDir) targetDir = targetDir.split(UNKNOWN_MARK).join('*');
  if (operands.length < (targetDir ? 1 : 2)) return;
  const destRaw = targetDir ?? operands.pop()!;
  const dest = posix.resolve(cwd, destRaw);
  const destIsDir =
    targetDir !== null || destRaw.endsWith('/') || operands.length > 1 || isDirectory(state, dest);
  for (const operand of operands) {
    const src = posix.resolve(cwd, operand);
    const mount = mounts.find((m) => src === m.target || src.startsWith(m.target + '/'));
    let matches: { event: FileEvent; relative: string | null }[];
    if (mount && mount.stage)
      matches = lookupFiles(mount.stage, posix.join(mount.source, src.slice(mount.target.length)));
    else if (mount) continue;
    else matches = lookupFiles(state, src);
    for (const match of matches) {
      if (match.event.chain.length === 0 && match.event.origin.source === 'unknown') continue;
      const name = posix.basename(match.relative === null ? match.event.path : src);
      const path = cleanPath(
        match.relative
          ? posix.join(dest, match.relative)
          : destIsDir
            ? posix.join(dest, name)
            : dest,
      );
      addEvent(state, {
        kind: match.relative === '' && match.event.path !== src ? 'file' : match.event.kind,
        path,
        origin: match.event.origin,
        chain: [
          ...match.event.chain,
          { stage: state.label, instruction: 'RUN', range: instruction.range, path },
        ],
        chmod: match.event.chmod,
        chown: match.event.chown,
      });
    }
  }
}

function recordDownload(
  state: StageState,
  instruction: Instruction,
  argv: string[],
  cwd: string,
): void {
  let output: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-o' || word === '--output' || word === '-O' || word === '--output-document')
      output = argv[++i] ?? null;
    else if (/^-[a-zA-Z]*o$/.test(word) && argv[0] === 'curl') output = argv[++i] ?? null;
    else if (word.startsWith('--output=') || word.startsWith('--output-document='))
      output = word.slice(word.indexOf('=') + 1);
  }
  const url = argv.find((w) => /^https?:\/\//.test(w)) ?? 'a URL';
  if (!output || output === '-' || output.includes(UNKNOWN_MARK)) return;
  recordRunOutput(
    state,
    instruction,
    cleanPath(posix.resolve(cwd, output)),
    'downloaded',
    `downloaded from ${url}`,
  );
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
