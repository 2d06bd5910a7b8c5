/**
 * BuildKit's semantics over the parsed Dockerfile: global and stage ARG scopes, the automatic
 * platform ARGs, ENV over ARG, inheritance through `FROM <stage>`, stage references, COPY/ADD
 * lineage, and the Go builds inside RUN with their declared GOOS/GOARCH/CGO_ENABLED.
 * Section names in comments refer to shared/notes/buildkit-dockerfile-reference.md.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { InputError } from '../errors.js';
import { classifyBase, imageHasCompiler, installsCompiler } from './base.js';
import {
  ExpandError,
  UNKNOWN_MARK,
  expandWord,
  expandWords,
  splitRawWords,
  type Lookup,
} from './expand.js';
import { binaryName, emptyFlags, parseGoCommand, type GoCommand } from './gobuild.js';
import { assignmentOf, splitCommands } from './shell.js';
import { parseDockerfile, type Instruction } from './syntax.js';
import type {
  Artifact,
  ArtifactSource,
  ChainStep,
  ConfigInstruction,
  DeclaredTriple,
  DeclaredValue,
  DockerfileModel,
  GoBuildFlags,
  Platform,
  Range,
  ReadOptions,
  Stage,
} from './types.js';

/** A variable's value and where it was set, for DeclaredValue.origin. */
interface Var {
  value: string;
  origin: string;
}

/** Where a file came from: shared by every copy of it. */
interface Origin {
  stage: string;
  source: ArtifactSource;
  declared: DeclaredTriple;
  flags: GoBuildFlags;
  built: Range | null;
  notes: string[];
}

/**
 * What an instruction did to a stage's filesystem. `file`: one path (may be a glob pattern);
 * `tree`: everything under `path` (contents unknown, e.g. `COPY . /src`); `some`: files with
 * names the Dockerfile does not show somewhere under `path` (a make, `go build .`).
 */
interface FileEvent {
  kind: 'file' | 'tree' | 'some';
  path: string;
  origin: Origin;
  chain: ChainStep[];
  chmod: string | null;
  chown: string | null;
}

interface StageDef {
  index: number;
  name: string | null;
  from: Instruction;
  body: Instruction[];
  endLine: number;
}

interface StageState {
  def: StageDef;
  label: string;
  base: string;
  parent: StageState | null;
  rootImage: string;
  platform: Platform;
  pinned: boolean;
  env: Map<string, Var>;
  args: Map<string, Var | null>;
  workdir: string;
  compiler: { present: boolean; why: string };
  xxWrapped: boolean;
  events: FileEvent[];
  /** Index of the latest `file` event per path, for lookups in large Dockerfiles. */
  fileIndex: Map<string, number>;
  /** Indices of `tree` and `some` events, in order. */
  coverIndex: number[];
  /** Directories that events created or wrote into. */
  dirs: Set<string>;
  user: ConfigInstruction | null;
  entrypoint: ConfigInstruction | null;
  cmd: ConfigInstruction | null;
  cmdSetHere: boolean;
  shell: string[];
}

const AUTOMATIC = [
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
];

/** Directories every non-scratch base has: a single-source COPY into them lands inside. */
const KNOWN_DIRS = new Set([
  '/',
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/etc',
  '/tmp',
  '/opt',
  '/usr/lib',
  '/usr/local/lib',
  '/lib',
  '/var/lib',
  '/usr/share',
]);

const NOT_A_BINARY =
  /\.(sh|bash|conf|cfg|ini|ya?ml|json|toml|txt|md|html?|js|css|crt|pem|key|xml|env|py|rb|pl|go)$/;
const NON_BUILD_TARGETS =
  /^(clean|clean-\w+|test|tests|check|lint|fmt|vet|mocks|generate|deps|tidy|vendor|download|tools|help)$/;
const BUILD_SCRIPT = /build|release|install|compile|dist|ci\.go|make/i;

const OPAQUE_BUILDERS = new Set([
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

export function parsePlatform(text: string, what: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new InputError(`${what}: '${text}' is not a platform (expected os/arch[/variant])`);
  }
  let variant = parts[2] ?? '';
  if (parts[1] === 'arm64' && variant === 'v8') variant = '';
  return { os: parts[0]!, arch: parts[1]!, variant };
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.arch}/${p.variant}` : `${p.os}/${p.arch}`;
}

function automaticArgs(target: Platform, build: Platform): Map<string, string> {
  return new Map([
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.arch],
    ['TARGETVARIANT', target.variant],
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.arch],
    ['BUILDVARIANT', build.variant],
  ]);
}

function emptyTriple(origin: string, implicit = false): DeclaredTriple {
  const v = (): DeclaredValue => ({ value: null, implicit, origin });
  return { GOOS: v(), GOARCH: v(), CGO_ENABLED: v() };
}

class Reader {
  private readonly escape: string;
  private readonly defs: StageDef[] = [];
  private readonly globals = new Map<string, Var>();
  private readonly globalDeclared = new Set<string>();
  private readonly states = new Map<number, StageState>();
  private readonly inProgress: number[] = [];
  private readonly notes: string[] = [];
  private readonly target: Platform;
  private readonly build: Platform;
  private readonly buildArgs: Record<string, string>;

  constructor(
    text: string,
    private readonly options: ReadOptions,
  ) {
    const path = options.path;
    this.build = parsePlatform(options.buildPlatform ?? 'linux/amd64', '--build-platform');
    this.target = options.platform ? parsePlatform(options.platform, '--platform') : this.build;
    this.buildArgs = options.buildArgs ?? {};
    const parsed = parseDockerfile(text, path);
    this.escape = parsed.escape;
    // Global scope ("Understand how ARG and FROM interact"): ARGs before the first FROM are
    // evaluated in order against the automatic platform ARGs; a default on an automatic ARG
    // replaces the automatic value unless a --build-arg is given.
    const automatic = automaticArgs(this.target, this.build);
    for (const [name, value] of automatic)
      this.globals.set(name, { value, origin: 'automatic platform ARG' });
    let current: StageDef | null = null;
    for (const instruction of parsed.instructions) {
      if (instruction.keyword === 'FROM') {
        current = {
          index: this.defs.length,
          name: null,
          from: instruction,
          body: [],
          endLine: instruction.range.endLine,
        };
        const words = instruction.args.split(/\s+/);
        if (words.length === 3) current.name = words[2]!.toLowerCase();
        this.defs.push(current);
      } else if (current) {
        current.body.push(instruction);
        current.endLine = instruction.range.endLine;
      } else {
        this.declareGlobalArgs(instruction);
      }
    }
  }

  private note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  private where(instruction: Instruction): string {
    return `${this.options.path}:${instruction.range.startLine}`;
  }

  private expand(text: string, lookup: Lookup, instruction: Instruction): string {
    try {
      return expandWord(text, lookup, { escape: this.escape });
    } catch (error) {
      if (error instanceof ExpandError)
        throw new InputError(`${this.where(instruction)}: ${error.message}`);
      throw error;
    }
  }

  private expandList(text: string, lookup: Lookup, instruction: Instruction): string[] {
    try {
      return expandWords(text, lookup, { escape: this.escape });
    } catch (error) {
      if (error instanceof ExpandError)
        throw new InputError(`${this.where(instruction)}: ${error.message}`);
      throw error;
    }
  }

  private declareGlobalArgs(instruction: Instruction): void {
    const line = instruction.range.startLine;
    const lookup: Lookup = (name) => this.globals.get(name)?.value;
    for (const word of splitRawWords(instruction.args, this.escape)) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      this.globalDeclared.add(name);
      if (name in this.buildArgs) {
        this.globals.set(name, { value: this.buildArgs[name]!, origin: `--build-arg ${name}` });
      } else if (eq >= 0) {
        this.globals.set(name, {
          value: this.expand(word.slice(eq + 1), lookup, instruction),
          origin: `ARG line ${line}`,
        });
      } else if (!AUTOMATIC.includes(name)) {
        this.globals.delete(name);
      }
    }
  }

  /** FROM lines see the automatic ARGs and the declared global ARGs only. */
  private fromLookup: Lookup = (name) => {
    if (!AUTOMATIC.includes(name) && !this.globalDeclared.has(name)) return undefined;
    return this.globals.get(name)?.value;
  };

  /** Every stage as its FROM line says, without evaluating bodies. */
  stageList(): Stage[] {
    const list: Stage[] = [];
    for (const def of this.defs) {
      const { base, platform, pinned } = this.fromLine(def);
      const parent = this.findStageByName(base, def);
      // FROM <stage> continues on the parent's platform unless --platform says otherwise.
      const inherited = parent ? list[parent.index]! : null;
      list.push({
        index: def.index,
        name: def.name,
        from: base,
        fromStage: parent ? parent.index : null,
        platform: platform
          ? formatPlatform(platform)
          : (inherited?.platform ?? formatPlatform(this.target)),
        platformPinned: pinned || (inherited?.platformPinned ?? false),
        startLine: def.from.range.startLine,
        endLine: def.endLine,
        fromRange: def.from.range,
      });
    }
    return list;
  }

  private fromLine(def: StageDef): { base: string; platform: Platform | null; pinned: boolean } {
    const words = def.from.args.split(/\s+/);
    let base = this.expand(words[0]!, this.fromLookup, def.from);
    if (base === '') {
      // BuildKit refuses to build this without a --build-arg; the model keeps the text.
      base = words[0]!;
      this.note(
        `line ${def.from.range.startLine}: FROM ${base} is empty unless a --build-arg sets it`,
      );
    }
    const flag = def.from.flags.find((f) => f.name === 'platform');
    if (!flag || flag.value === null) return { base, platform: null, pinned: false };
    const value = this.expand(flag.value, this.fromLookup, def.from);
    if (value === '') return { base, platform: null, pinned: false };
    return {
      base,
      platform: parsePlatform(value, `${this.where(def.from)}: --platform`),
      pinned: true,
    };
  }

  /** "FROM <stage>" (FROM section): a name of another stage, compared case-insensitively. */
  private findStageByName(name: string, self: StageDef): StageDef | null {
    const lower = name.toLowerCase();
    const found =
      this.defs.find((d) => d.name === lower && d !== self && d.index < self.index) ?? null;
    if (!found && self.name === lower) {
      throw new InputError(
        `${this.where(self.from)}: stage '${name}' refers to itself (circular dependency)`,
      );
    }
    return found;
  }

  targetStage(): StageDef {
    const wanted = this.options.target;
    if (wanted === undefined || wanted === '') return this.defs[this.defs.length - 1]!;
    const found = this.defs.find((d) => d.name === wanted.toLowerCase());
    if (!found) {
      const names = this.defs.map((d) => d.name).filter(Boolean);
      throw new InputError(
        `${this.options.path}: target stage '${wanted}' could not be found (stages: ${names.join(', ') || 'none named'})`,
      );
    }
    return found;
  }

  /** Evaluates a stage (and the stages it depends on), once. */
  stage(def: StageDef): StageState {
    const done = this.states.get(def.index);
    if (done) return done;
    if (this.inProgress.includes(def.index)) {
      const cycle = [...this.inProgress.slice(this.inProgress.indexOf(def.index)), def.index].map(
        (i) => this.label(this.defs[i]!),
      );
      throw new InputError(
        `${this.where(def.from)}: circular dependency between stages: ${cycle.join(' -> ')}`,
      );
    }
    this.inProgress.push(def.index);
    const state = this.evaluate(def);
    this.inProgress.pop();
    this.states.set(def.index, state);
    return state;
  }

  private label(def: StageDef): string {
    return def.name ?? String(def.index);
  }

  private evaluate(def: StageDef): StageState {
    const { base, platform, pinned } = this.fromLine(def);
    const parentDef = this.findStageByName(base, def);
    const parent = parentDef ? this.stage(parentDef) : null;
    const stagePlatform = platform ?? (parent ? parent.platform : this.target);
    const rootImage = parent ? parent.rootImage : base;
    const state: StageState = {
      def,
      label: this.label(def),
      base,
      parent,
      rootImage,
      platform: stagePlatform,
      pinned: pinned || (parent?.pinned ?? false),
      // ENV section and FROM <stage>: a stage inherits ENV and ARGs of its parent stage.
      env: new Map(parent?.env ?? imageDefaults(base).env),
      args: new Map(parent?.args ?? []),
      workdir: parent?.workdir ?? imageDefaults(base).workdir,
      compiler: parent?.compiler ?? imageHasCompiler(base),
      xxWrapped: parent?.xxWrapped ?? false,
      events: [...(parent?.events ?? [])],
      fileIndex: new Map(parent?.fileIndex ?? []),
      coverIndex: [...(parent?.coverIndex ?? [])],
      dirs: new Set(parent?.dirs ?? []),
      user: parent?.user ?? null,
      entrypoint: parent?.entrypoint ?? null,
      cmd: parent?.cmd ?? null,
      cmdSetHere: false,
      shell: parent?.shell ?? ['/bin/sh', '-c'],
    };
    for (const instruction of def.body) this.dispatch(state, instruction);
    return state;
  }

  /** ENV wins over ARG ("Environment replacement", ARG section "Using ARG variables"). */
  private lookupIn(state: StageState): Lookup {
    return (name) => state.env.get(name)?.value ?? state.args.get(name)?.value;
  }

  private dispatch(state: StageState, instruction: Instruction): void {
    const lookup = this.lookupIn(state);
    const line = instruction.range.startLine;
    switch (instruction.keyword) {
      case 'ARG':
        this.dispatchArg(state, instruction);
        break;
      case 'ENV': {
        // One instruction uses the values from before it ("Environment replacement").
        const words = splitRawWords(instruction.args, this.escape);
        const assignments: [string, string][] = [];
        if (words.length > 0 && !words[0]!.includes('=')) {
          const name = words[0]!;
          assignments.push([
            name,
            this.expand(instruction.args.slice(name.length).trim(), lookup, instruction),
          ]);
        } else {
          for (const word of words) {
            const eq = word.indexOf('=');
            if (eq <= 0)
              throw new InputError(`${this.where(instruction)}: ENV '${word}' is not NAME=value`);
            assignments.push([
              word.slice(0, eq),
              this.expand(word.slice(eq + 1), lookup, instruction),
            ]);
          }
        }
        for (const [name, value] of assignments)
          state.env.set(name, { value, origin: `ENV line ${line}` });
        break;
      }
      case 'WORKDIR': {
        const dir = this.expand(instruction.args, lookup, instruction);
        state.workdir = posix.resolve(state.workdir, dir);
        break;
      }
      case 'USER':
        state.user = {
          value: [this.expand(instruction.args, lookup, instruction)],
          raw: instruction.args,
          form: 'exec',
          range: instruction.range,
        };
        state.user.raw = state.user.value[0]!;
        break;
      case 'SHELL':
        if (instruction.json) state.shell = instruction.json;
        break;
      case 'ENTRYPOINT':
      case 'CMD': {
        const config: ConfigInstruction = instruction.json
          ? {
              value: instruction.json,
              raw: instruction.args,
              form: 'exec',
              range: instruction.range,
            }
          : {
              value: [...state.shell, instruction.args],
              raw: instruction.args,
              form: 'shell',
              range: instruction.range,
            };
        if (instruction.keyword === 'CMD') {
          state.cmd = config;
          state.cmdSetHere = true;
        } else {
          state.entrypoint = config;
          // ENTRYPOINT section: an ENTRYPOINT resets a CMD inherited from the base.
          if (!state.cmdSetHere) state.cmd = null;
        }
        break;
      }
      case 'COPY':
      case 'ADD':
        this.dispatchCopy(state, instruction);
        break;
      case 'RUN':
        this.dispatchRun(state, instruction);
        break;
      default:
        break;
    }
  }

  /**
   * ARG section: a bare `ARG NAME` takes the --build-arg or the global value (automatic
   * platform ARGs included); `ARG NAME=default` its own default unless a --build-arg is given,
   * also for automatic ARGs ("Automatic platform ARGs in the global scope").
   */
  private dispatchArg(state: StageState, instruction: Instruction): void {
    const lookup = this.lookupIn(state);
    const line = instruction.range.startLine;
    const updates: [string, Var | null][] = [];
    for (const word of splitRawWords(instruction.args, this.escape)) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      // BuildKit does not reject odd words (`ARG X=0 # comment`); they set nothing we read.
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      if (name in this.buildArgs)
        updates.push([
          name,
          { value: this.buildArgs[name]!, origin: `--build-arg ${name} (ARG line ${line})` },
        ]);
      else if (eq >= 0)
        updates.push([
          name,
          {
            value: this.expand(word.slice(eq + 1), lookup, instruction),
            origin: `ARG line ${line}`,
          },
        ]);
      else if (
        (this.globalDeclared.has(name) || AUTOMATIC.includes(name)) &&
        this.globals.has(name)
      ) {
        const global = this.globals.get(name)!;
        updates.push([
          name,
          {
            value: global.value,
            origin: `ARG line ${line} (${AUTOMATIC.includes(name) && !this.globalDeclared.has(name) ? 'automatic platform ARG' : global.origin})`,
          },
        ]);
      } else updates.push([name, null]);
    }
    for (const [name, value] of updates) state.args.set(name, value);
  }

  private copySourceFrom(
    state: StageState,
    instruction: Instruction,
    value: string,
  ): StageState | string {
    const lookup = this.lookupIn(state);
    const from = this.expand(value, lookup, instruction);
    // COPY --from: a stage name, a stage index (0 = first FROM) or an image.
    if (/^[0-9]+$/.test(from)) {
      const index = Number(from);
      if (index >= state.def.index) {
        throw new InputError(
          `${this.where(instruction)}: --from=${from} refers to the current or a later stage (stages are numbered from 0)`,
        );
      }
      return this.stage(this.defs[index]!);
    }
    const def = this.defs.find((d) => d.name === from.toLowerCase());
    if (def === state.def)
      throw new InputError(
        `${this.where(instruction)}: --from=${from} refers to its own stage (circular dependency)`,
      );
    if (def) return this.stage(def);
    return from;
  }

  private dispatchCopy(state: StageState, instruction: Instruction): void {
    const lookup = this.lookupIn(state);
    const flag = (name: string): string | null => {
      const f = instruction.flags.find((x) => x.name === name);
      return f?.value === undefined || f.value === null
        ? null
        : this.expand(f.value, lookup, instruction);
    };
    const fromValue = instruction.flags.find((f) => f.name === 'from')?.value ?? null;
    const source = fromValue === null ? null : this.copySourceFrom(state, instruction, fromValue);
    const chmod = flag('chmod');
    const chown = flag('chown');
    const step = (path: string): ChainStep => ({
      stage: state.label,
      instruction: instruction.keyword,
      range: instruction.range,
      path,
    });
    let words = instruction.json ?? this.expandList(instruction.args, lookup, instruction);
    if (instruction.json) words = words.map((w) => this.expand(w, lookup, instruction));
    if (instruction.heredocs.length > 0) {
      const dest = this.destination(state, words[words.length - 1] ?? '.');
      for (const heredoc of instruction.heredocs) {
        const path = words.length > 2 || dest.endsWith('/') ? posix.join(dest, heredoc.name) : dest;
        addEvent(state, {
          kind: 'file',
          path: cleanPath(path),
          origin: {
            stage: state.label,
            source: 'unknown',
            declared: emptyTriple('written by a here-document'),
            flags: emptyFlags(),
            built: null,
            notes: [`written by a here-document at line ${instruction.range.startLine}`],
          },
          chain: [step(cleanPath(path))],
          chmod,
          chown,
        });
      }
      return;
    }
    if (words.length < 2)
      throw new InputError(
        `${this.where(instruction)}: ${instruction.keyword} requires at least a source and a destination`,
      );
    const sources = words.slice(0, -1);
    const destRaw = words[words.length - 1]!;
    const dest = this.destination(state, destRaw);
    const destIsDir = destRaw.endsWith('/') || sources.length > 1 || this.isDirectory(state, dest);
    for (const src of sources) {
      const into = (name: string): string => cleanPath(destIsDir ? posix.join(dest, name) : dest);
      if (source === null || typeof source === 'string') {
        const url = /^(https?|git):\/\//.test(src) || src.startsWith('git@');
        const image = typeof source === 'string';
        const origin: Origin = {
          stage: image ? source : url ? src : 'context',
          source: image ? 'image' : url ? 'downloaded' : 'prebuilt',
          declared: emptyTriple(
            image
              ? `copied from image ${source}`
              : url
                ? `downloaded from ${src}`
                : `copied from the build context (${src})`,
          ),
          flags: emptyFlags(),
          built: null,
          notes: [],
        };
        const tree =
          src.endsWith('/') ||
          src === '.' ||
          (instruction.keyword === 'ADD' && !image && /\.(tar|tar\.\w+|tgz|tbz2?|txz)$/.test(src));
        const name = posix.basename(src.replace(/\/+$/, ''));
        const path = tree
          ? cleanPath(destIsDir || src === '.' || src.endsWith('/') ? dest : dest)
          : into(name);
        addEvent(state, {
          kind: tree ? 'tree' : 'file',
          path,
          origin,
          chain: [step(path)],
          chmod,
          chown,
        });
        continue;
      }
      const absolute = posix.resolve('/', src);
      const matches = this.lookupFiles(source, absolute);
      for (const match of matches) {
        // The source names a directory (a tree or build output at that very path, or a path
        // written with a trailing slash): its files land in dest.
        const wholeDir =
          match.relative === '' &&
          match.event.kind !== 'file' &&
          (match.event.path === absolute || src.endsWith('/') || src.endsWith('/.'));
        const path = wholeDir
          ? cleanPath(dest)
          : match.relative === null
            ? into(posix.basename(match.event.path))
            : match.relative === ''
              ? into(posix.basename(absolute))
              : cleanPath(posix.join(dest, match.relative));
        const kind = wholeDir
          ? match.event.kind
          : match.relative === ''
            ? 'file'
            : match.event.kind;
        addEvent(state, {
          kind,
          path,
          origin: match.event.origin,
          chain: [...match.event.chain, step(path)],
          chmod: chmod ?? match.event.chmod,
          chown: chown ?? match.event.chown,
        });
      }
    }
  }

  private destination(state: StageState, raw: string): string {
    if (/^[A-Za-z]:[\\/]/.test(raw)) return raw.replace(/\\/g, '/');
    const resolved = posix.resolve(state.workdir, raw);
    return raw.endsWith('/') ? resolved + (resolved === '/' ? '' : '/') : resolved;
  }

  /** Is `path` a directory in the stage: a WORKDIR-like known dir, or one our events created? */
  private isDirectory(state: StageState, path: string): boolean {
    const clean = cleanPath(path);
    if (clean === state.workdir) return true;
    const fromImage = state.rootImage.toLowerCase() !== 'scratch';
    if (fromImage && (KNOWN_DIRS.has(clean) || /\/(bin|sbin|libexec)$/.test(clean))) return true;
    return state.dirs.has(clean);
  }

  /**
   * The files of `state` that a COPY --from source names: the file itself, the files under a
   * directory, glob matches, or the latest build that may have written it.
   * `relative`: '' for the named file, the path below the named directory, null for a glob.
   */
  private lookupFiles(
    state: StageState,
    src: string,
  ): { event: FileEvent; relative: string | null }[] {
    const events = state.events;
    // The latest build or tree copy that covers `path` from above, after event index `after`.
    const coveringAfter = (path: string, after: number): FileEvent | null => {
      for (let k = state.coverIndex.length - 1; k >= 0 && state.coverIndex[k]! > after; k--) {
        const e = events[state.coverIndex[k]!]!;
        if (e.kind === 'file' || e.path === path || !covers(e.path, path)) continue;
        // Builds write binaries: a script or config file under their directory is not theirs.
        if (e.kind === 'some' && NOT_A_BINARY.test(path)) continue;
        return e;
      }
      return null;
    };
    if (isGlob(src)) {
      const match = picomatch(src, { dot: true });
      const found = latestPerPath(events.filter((e) => e.kind === 'file' && match(e.path)));
      if (found.length > 0) return found.map((event) => ({ event, relative: null }));
      // Names written by a make or `go build .` under the glob's fixed directory.
      const fixed = src.slice(0, src.search(/[*?[]/)).replace(/\/[^/]*$/, '') || '/';
      const cover = coveringAfter(fixed + '/\u0001', -1);
      if (cover) return [{ event: cover, relative: '' }];
    } else {
      const exactIndex = state.fileIndex.get(src) ?? -1;
      // A later build or tree copy covering the path overrides the exact record.
      const later = coveringAfter(src, exactIndex);
      if (exactIndex >= 0) return [{ event: later ?? events[exactIndex]!, relative: '' }];
      // A directory: everything written at or under it.
      const under = src === '/' ? '/' : src + '/';
      const inside = latestPerPath(
        events.filter((e) => e.path.startsWith(under) || (e.kind !== 'file' && e.path === src)),
      );
      if (inside.length > 0) {
        return inside.map((event) => ({
          event,
          relative: event.path === src ? '' : event.path.slice(under.length),
        }));
      }
      if (later) return [{ event: later, relative: '' }];
    }
    const image = state.rootImage.toLowerCase() !== 'scratch';
    const origin: Origin = {
      stage: image ? state.rootImage : state.label,
      source: image ? 'image' : 'unknown',
      declared: emptyTriple(
        image
          ? `present in the base image ${state.rootImage}`
          : `not written by any instruction of stage ${state.label}`,
      ),
      flags: emptyFlags(),
      built: null,
      notes: image
        ? []
        : [
            `${src} is not written by any instruction the model understands in stage ${state.label}`,
          ],
    };
    return [
      {
        event: { kind: 'file', path: src, origin, chain: [], chmod: null, chown: null },
        relative: '',
      },
    ];
  }

  private dispatchRun(state: StageState, instruction: Instruction): void {
    const line = instruction.range.startLine;
    // RUN --mount=type=bind,from=<stage>: paths under the target read that stage's files.
    const mounts: { target: string; source: string; stage: StageState | null }[] = [];
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
      const stage = from ? this.copySourceFrom(state, instruction, from) : null;
      mounts.push({
        target: posix.resolve(
          state.workdir,
          this.expand(target, this.lookupIn(state), instruction),
        ),
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
        this.recordOpaqueBuild(
          state,
          instruction,
          found[1]!,
          (name) => env.get(name),
          state.workdir,
        );
      }
      return;
    }
    // The RUN environment: ENV and ARG values (ARG section: exported to RUN), ENV winning.
    const exported = new Map<string, Var>();
    for (const [name, value] of state.args) if (value) exported.set(name, value);
    for (const [name, value] of state.env) exported.set(name, value);
    const shellVars = new Map<string, Var>();
    let cwd = state.workdir;
    let downloadedFrom: string | null = null;
    for (const text of texts) {
      for (const { words: raw, conditional } of splitCommands(text)) {
        const lookup: Lookup = (name) => shellVars.get(name)?.value ?? exported.get(name)?.value;
        const expand = (word: string): string => {
          try {
            return expandWord(word, lookup, { shell: true });
          } catch {
            return UNKNOWN_MARK;
          }
        };
        let words = raw;
        const inline = new Map<string, Var>();
        while (words.length > 0 && assignmentOf(words[0]!)) {
          const a = assignmentOf(words[0]!)!;
          inline.set(a.name, { value: expand(a.value), origin: `inline on RUN line ${line}` });
          words = words.slice(1);
        }
        if (words.length === 0) {
          // `NAME=value` alone sets a shell variable; an exported one reaches later commands.
          // Under a condition the value is not certain: the model keeps the one before.
          if (conditional) continue;
          for (const [name, value] of inline) {
            const v = { value: value.value, origin: `set on RUN line ${line}` };
            if (exported.has(name)) exported.set(name, v);
            else shellVars.set(name, v);
          }
          continue;
        }
        // Unquoted expansions are split on whitespace and vanish when empty, as in sh.
        let argv = words.flatMap((word) => {
          const value = expand(word);
          if (/["']/.test(word) || !word.includes('$')) return [value];
          return value.split(/\s+/).filter(Boolean);
        });
        if (argv.length === 0) continue;
        if (argv[0] === 'export') {
          if (conditional) continue;
          for (const word of words.slice(1)) {
            const a = assignmentOf(word);
            if (a)
              exported.set(a.name, {
                value: expand(a.value),
                origin: `export on RUN line ${line}`,
              });
            else if (shellVars.has(word)) exported.set(word, shellVars.get(word)!);
          }
          continue;
        }
        // `env X=Y cmd`, `sudo`, `time`, `exec`: the command that follows.
        while (
          argv.length > 1 &&
          ['env', 'exec', 'time', 'sudo', 'nice', 'command'].includes(argv[0]!)
        ) {
          const isEnv = argv[0] === 'env';
          argv = argv.slice(1);
          words = words.slice(1);
          while (
            isEnv &&
            argv.length > 0 &&
            (assignmentOf(words[0]!) || argv[0]!.startsWith('-'))
          ) {
            const a = assignmentOf(words[0]!);
            if (a)
              inline.set(a.name, { value: expand(a.value), origin: `inline on RUN line ${line}` });
            argv = argv.slice(1);
            words = words.slice(1);
          }
        }
        const program = argv[0]!;
        const envFor = (name: string): Var | undefined => inline.get(name) ?? exported.get(name);
        if (program === 'cd') {
          cwd = posix.resolve(cwd, argv[1] ?? '/root');
          continue;
        }
        const compiler = installsCompiler(argv);
        if (compiler && !state.compiler.present)
          state.compiler = { present: true, why: `${compiler} (line ${line})` };
        if (program === 'xx-go' && argv[1] === '--wrap') {
          state.xxWrapped = true;
          continue;
        }
        const go = parseGoCommand(argv);
        if (go) {
          this.recordGoBuild(state, instruction, go, envFor, cwd);
          continue;
        }
        if (['cp', 'mv', 'install', 'ln'].includes(program)) {
          this.recordCopyCommand(state, instruction, argv, cwd, mounts);
          continue;
        }
        if (program === 'curl' || program === 'wget') {
          downloadedFrom = argv.find((w) => /^https?:\/\//.test(w)) ?? 'a URL';
          this.recordDownload(state, instruction, argv, cwd);
          continue;
        }
        if (downloadedFrom && (program === 'tar' || program === 'unzip')) {
          // `curl ... | tar -x -C dir`: the archive's files land in dir.
          const flagAt = argv.findIndex((w) => w === '-C' || w === '--directory' || w === '-d');
          const dir = flagAt > 0 && argv[flagAt + 1] ? posix.resolve(cwd, argv[flagAt + 1]!) : cwd;
          const origin: Origin = {
            stage: state.label,
            source: 'downloaded',
            declared: emptyTriple(`downloaded from ${downloadedFrom}`),
            flags: emptyFlags(),
            built: instruction.range,
            notes: [],
          };
          addEvent(state, {
            kind: 'some',
            path: cleanPath(dir),
            origin,
            chain: [
              {
                stage: state.label,
                instruction: 'RUN',
                range: instruction.range,
                path: cleanPath(dir),
              },
            ],
            chmod: null,
            chown: null,
          });
          continue;
        }
        const opaque = this.opaqueBuilder(argv);
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
          this.recordOpaqueBuild(state, instruction, opaque, envFor, cwd, argv, passed);
        }
      }
    }
  }

  /** make, mage, scripts, `go run`: builds whose outputs and settings the Dockerfile does not show. */
  private opaqueBuilder(argv: string[]): string | null {
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

  private declaredFor(
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
      const platform = tp ? parsePlatform(tp, `line ${line}`) : this.target;
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

  private recordGoBuild(
    state: StageState,
    instruction: Instruction,
    go: GoCommand,
    envFor: (name: string) => Var | undefined,
    cwd: string,
  ): void {
    const line = instruction.range.startLine;
    const declared = this.declaredFor(state, envFor, line, go.xx, null);
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

  private recordOpaqueBuild(
    state: StageState,
    instruction: Instruction,
    command: string,
    envFor: (name: string) => Var | undefined,
    cwd: string,
    argv: string[] = [],
    passed: { os: string; arch: string } | null = null,
  ): void {
    const line = instruction.range.startLine;
    const declared = this.declaredFor(state, envFor, line, false, command);
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

  private recordCopyCommand(
    state: StageState,
    instruction: Instruction,
    argv: string[],
    cwd: string,
    mounts: { target: string; source: string; stage: StageState | null }[],
  ): void {
    const program = argv[0]!;
    if (program === 'ln') return;
    const operands: string[] = [];
    let targetDir: string | null = null;
    for (let i = 1; i < argv.length; i++) {
      const word = argv[i]!;
      if (
        program === 'install' &&
        ['-m', '-o', '-g', '--mode', '--owner', '--group'].includes(word)
      )
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
      targetDir !== null ||
      destRaw.endsWith('/') ||
      operands.length > 1 ||
      this.isDirectory(state, dest);
    for (const operand of operands) {
      const src = posix.resolve(cwd, operand);
      const mount = mounts.find((m) => src === m.target || src.startsWith(m.target + '/'));
      let matches: { event: FileEvent; relative: string | null }[];
      if (mount && mount.stage)
        matches = this.lookupFiles(
          mount.stage,
          posix.join(mount.source, src.slice(mount.target.length)),
        );
      else if (mount) continue;
      else matches = this.lookupFiles(state, src);
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

  private recordDownload(
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
    const path = cleanPath(posix.resolve(cwd, output));
    const origin: Origin = {
      stage: state.label,
      source: 'downloaded',
      declared: emptyTriple(`downloaded from ${url}`),
      flags: emptyFlags(),
      built: instruction.range,
      notes: [],
    };
    addEvent(state, {
      kind: 'file',
      path,
      origin,
      chain: [{ stage: state.label, instruction: 'RUN', range: instruction.range, path }],
      chmod: null,
      chown: null,
    });
  }

  model(): DockerfileModel {
    const stages = this.stageList();
    const targetDef = this.targetStage();
    const final = this.stage(targetDef);
    const finalStage = stages[targetDef.index]!;
    const artifacts: Artifact[] = [];
    for (const event of latestPerPath(final.events)) {
      const placed = event.chain[event.chain.length - 1]?.range ?? finalStage.fromRange;
      artifacts.push({
        path:
          event.kind === 'file'
            ? event.path
            : event.path.endsWith('/')
              ? event.path
              : event.path + '/',
        stage: event.origin.stage,
        source: event.origin.source,
        declared: event.origin.declared,
        flags: event.origin.flags,
        chain: event.chain,
        blame: { placed, built: event.origin.built, from: finalStage.fromRange },
        chmod: event.chmod,
        chown: event.chown,
        notes: event.origin.notes,
      });
    }
    return {
      path: this.options.path,
      target: final.label,
      platform: formatPlatform(this.target),
      buildPlatform: formatPlatform(this.build),
      stages,
      finalStage,
      artifacts,
      user: final.user,
      entrypoint: final.entrypoint,
      cmd: final.cmd,
      finalBase: final.rootImage,
      finalBaseKind: classifyBase(final.rootImage),
      notes: this.notes,
    };
  }
}

/**
 * The WORKDIR and ENV an image brings that Dockerfiles rely on: the official golang images set
 * WORKDIR /go and GOPATH=/go (their Dockerfiles on docker-library/golang). Others: unknown.
 */
function imageDefaults(reference: string): { workdir: string; env: [string, Var][] } {
  const name =
    reference
      .toLowerCase()
      .replace(/[:@].*$/, '')
      .split('/')
      .pop() ?? '';
  if (name === 'golang' && !/windows|nanoserver/.test(reference.toLowerCase())) {
    return { workdir: '/go', env: [['GOPATH', { value: '/go', origin: `ENV of ${reference}` }]] };
  }
  return { workdir: '/', env: [] };
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

/** Records what an instruction wrote, keeping the stage's lookup indexes current. */
function addEvent(state: StageState, event: FileEvent): void {
  const index = state.events.length;
  state.events.push(event);
  if (event.kind === 'file') state.fileIndex.set(event.path, index);
  else {
    state.coverIndex.push(index);
    state.dirs.add(event.path);
  }
  for (let dir = posix.dirname(event.path); !state.dirs.has(dir); dir = posix.dirname(dir)) {
    state.dirs.add(dir);
    if (dir === '/' || dir === '.') break;
  }
}

function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

function cleanPath(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

function covers(dir: string, path: string): boolean {
  return dir === '/' || path === dir || path.startsWith(dir + '/');
}

/** Keeps the last event per path, in first-appearance order. */
function latestPerPath(events: FileEvent[]): FileEvent[] {
  const byPath = new Map<string, FileEvent>();
  for (const event of events) {
    byPath.delete(event.path);
    byPath.set(event.path, event);
  }
  return [...byPath.values()];
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Builds the model of a Dockerfile's text. Pure: no I/O. Throws InputError on bad input. */
export function readDockerfile(text: string, options: ReadOptions): DockerfileModel {
  return new Reader(text, options).model();
}

/** Reads `path` and builds its model; a missing file is an InputError. */
export function loadDockerfile(
  path: string,
  options: Omit<ReadOptions, 'path'> = {},
): DockerfileModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `${path}: cannot read the Dockerfile (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return readDockerfile(text, { ...options, path });
}
