/**
 * FROM and the stages (BuildKit's dockerfile2llb: the stage list, `FROM <stage>` inheritance,
 * `--platform`, the target stage): splits the instructions into stages, resolves each FROM line
 * against the global ARG scope, and evaluates a stage (after the stages it depends on) once.
 * Section names refer to shared/notes/buildkit-dockerfile-reference.md.
 */
import { InputError } from '../errors.js';
import { imageHasCompiler } from './base.js';
import {
  expand,
  formatPlatform,
  note,
  parsePlatform,
  where,
  type ReadContext,
  type StageDef,
  type StageState,
  type Var,
} from './state.js';
import type { Lookup } from './expand.js';
import { fromLookup } from './scope.js';
import type { Instruction } from './syntax.js';
import type { Platform, Stage } from './types.js';

/** The automatic platform ARGs of BuildKit ("Automatic platform ARGs in the global scope"). */
export function automaticArgs(target: Platform, build: Platform): Map<string, string> {
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

/**
 * Splits the parsed instructions into stages at each FROM; the instructions before the first
 * FROM go to `global` (the global ARG scope).
 */
export function splitStages(
  instructions: Instruction[],
  global: (instruction: Instruction) => void,
): StageDef[] {
  const defs: StageDef[] = [];
  let current: StageDef | null = null;
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      current = {
        index: defs.length,
        name: null,
        from: instruction,
        body: [],
        endLine: instruction.range.endLine,
      };
      const words = instruction.args.split(/\s+/);
      if (words.length === 3) current.name = words[2]!.toLowerCase();
      defs.push(current);
    } else if (current) {
      current.body.push(instruction);
      current.endLine = instruction.range.endLine;
    } else {
      global(instruction);
    }
  }
  return defs;
}

/** Every stage as its FROM line says, without evaluating bodies. */
export function stageList(ctx: ReadContext): Stage[] {
  const list: Stage[] = [];
  for (const def of ctx.defs) {
    const { base, platform, pinned } = fromLine(ctx, def);
    const parent = findStageByName(ctx, base, def);
    // FROM <stage> continues on the parent's platform unless --platform says otherwise.
    const inherited = parent ? list[parent.index]! : null;
    list.push({
      index: def.index,
      name: def.name,
      from: base,
      fromStage: parent ? parent.index : null,
      platform: platform
        ? formatPlatform(platform)
        : (inherited?.platform ?? formatPlatform(ctx.target)),
      platformPinned: pinned || (inherited?.platformPinned ?? false),
      startLine: def.from.range.startLine,
      endLine: def.endLine,
      fromRange: def.from.range,
    });
  }
  return list;
}

function fromLine(
  ctx: ReadContext,
  def: StageDef,
): { base: string; platform: Platform | null; pinned: boolean } {
  const words = def.from.args.split(/\s+/);
  // Names the FROM line looks up and finds unset: BuildKit substitutes '' for them.
  const unset = new Set<string>();
  const global = fromLookup(ctx);
  const lookup: Lookup = (name) => {
    const value = global(name);
    if (value === undefined) unset.add(name);
    return value;
  };
  let base = expand(ctx, words[0]!, lookup, def.from);
  const flag = def.from.flags.find((f) => f.name === 'platform');
  const platformText = flag && flag.value !== null ? expand(ctx, flag.value, lookup, def.from) : '';
  // `${NAME:-default}`, `${NAME-default}` and `${NAME:+alt}` say what happens when unset.
  const written = [words[0]!, flag?.value ?? ''].join(' ');
  const names = [...unset].filter((name) => !new RegExp(`\\$\\{${name}:?[-+=?]`).test(written));
  if (names.length > 0 && !ctx.unresolved.some((u) => u.range === def.from.range)) {
    ctx.unresolved.push({ range: def.from.range, names, written: words[0]!, expanded: base });
    note(
      ctx,
      `line ${def.from.range.startLine}: FROM ${words[0]} expands to '${base}': ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} set by no ARG default or --build-arg`,
    );
  }
  // BuildKit refuses an empty reference; the model keeps the text.
  if (base === '') base = words[0]!;
  if (!flag || flag.value === null || platformText === '')
    return { base, platform: null, pinned: false };
  return {
    base,
    platform: parsePlatform(platformText, `${where(ctx, def.from)}: --platform`),
    pinned: true,
  };
}

/** "FROM <stage>" (FROM section): a name of another stage, compared case-insensitively. */
function findStageByName(ctx: ReadContext, name: string, self: StageDef): StageDef | null {
  const lower = name.toLowerCase();
  const found =
    ctx.defs.find((d) => d.name === lower && d !== self && d.index < self.index) ?? null;
  if (!found && self.name === lower) {
    throw new InputError(
      `${where(ctx, self.from)}: stage '${name}' refers to itself (circular dependency)`,
    );
  }
  return found;
}

export function targetStage(ctx: ReadContext): StageDef {
  const wanted = ctx.options.target;
  if (wanted === undefined || wanted === '') return ctx.defs[ctx.defs.length - 1]!;
  const found = ctx.defs.find((d) => d.name === wanted.toLowerCase());
  if (!found) {
    const names = ctx.defs.map((d) => d.name).filter(Boolean);
    throw new InputError(
      `${ctx.options.path}: target stage '${wanted}' could not be found (stages: ${names.join(', ') || 'none named'})`,
    );
  }
  return found;
}

/** Evaluates a stage (and the stages it depends on), once. */
export function stage(ctx: ReadContext, def: StageDef): StageState {
  const done = ctx.states.get(def.index);
  if (done) return done;
  if (ctx.inProgress.includes(def.index)) {
    const cycle = [...ctx.inProgress.slice(ctx.inProgress.indexOf(def.index)), def.index].map((i) =>
      label(ctx.defs[i]!),
    );
    throw new InputError(
      `${where(ctx, def.from)}: circular dependency between stages: ${cycle.join(' -> ')}`,
    );
  }
  ctx.inProgress.push(def.index);
  const state = evaluate(ctx, def);
  ctx.inProgress.pop();
  ctx.states.set(def.index, state);
  return state;
}

export function label(def: StageDef): string {
  return def.name ?? String(def.index);
}

function evaluate(ctx: ReadContext, def: StageDef): StageState {
  const { base, platform, pinned } = fromLine(ctx, def);
  const parentDef = findStageByName(ctx, base, def);
  const parent = parentDef ? stage(ctx, parentDef) : null;
  const stagePlatform = platform ?? (parent ? parent.platform : ctx.target);
  const rootImage = parent ? parent.rootImage : base;
  const image = imageDefaults(ctx, base);
  const state: StageState = {
    def,
    label: label(def),
    base,
    parent,
    rootImage,
    platform: stagePlatform,
    pinned: pinned || (parent?.pinned ?? false),
    // ENV section and FROM <stage>: a stage inherits ENV and ARGs of its parent stage.
    env: new Map(parent?.env ?? image.env),
    args: new Map(parent?.args ?? []),
    workdir: parent?.workdir ?? image.workdir,
    workdirSure: parent?.workdirSure ?? true,
    compiler: parent?.compiler ?? image.compiler,
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
  for (const instruction of def.body) ctx.dispatch(state, instruction);
  return state;
}

/**
 * The ENV, WORKDIR and C compiler a base image brings: the engine's config of the image when
 * the caller can look it up (options.baseImage), else what its name tells: the official golang
 * images set WORKDIR /go and GOPATH=/go (their Dockerfiles on docker-library/golang).
 */
function imageDefaults(
  ctx: ReadContext,
  reference: string,
): { workdir: string; env: [string, Var][]; compiler: StageState['compiler'] } {
  const config =
    reference.toLowerCase() === 'scratch' ? null : (ctx.options.baseImage?.(reference) ?? null);
  if (config) {
    const env: [string, Var][] = [];
    for (const pair of config.env) {
      const eq = pair.indexOf('=');
      if (eq > 0)
        env.push([
          pair.slice(0, eq),
          { value: pair.slice(eq + 1), origin: `ENV of ${reference} (image config)` },
        ]);
    }
    const named = imageHasCompiler(reference);
    return {
      workdir: config.workingDir || '/',
      env,
      compiler:
        config.compiler === null
          ? named
          : {
              present: config.compiler,
              why: config.compiler
                ? `a C compiler on the PATH of ${reference} (image)`
                : `no C compiler on the PATH of ${reference} (image)`,
            },
    };
  }
  const name =
    reference
      .toLowerCase()
      .replace(/[:@].*$/, '')
      .split('/')
      .pop() ?? '';
  if (name === 'golang' && !/windows|nanoserver/.test(reference.toLowerCase())) {
    return {
      workdir: '/go',
      env: [['GOPATH', { value: '/go', origin: `ENV of ${reference}` }]],
      compiler: imageHasCompiler(reference),
    };
  }
  return { workdir: '/', env: [], compiler: imageHasCompiler(reference) };
}
