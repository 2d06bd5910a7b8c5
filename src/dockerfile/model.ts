/**
 * BuildKit's semantics over the parsed Dockerfile, assembled the way dockerfile2llb's
 * dispatchers are: one module per instruction family over a shared state (state.ts):
 * FROM and stages (stages.ts), ARG/ENV scope (scope.ts), COPY/ADD lineage (copy.ts), RUN with
 * its shell and Go-build reading (run.ts, builds.ts), and the stage configuration (config.ts).
 * This file routes instructions to them and assembles the model of the target stage.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { classifyBase } from './base.js';
import { dispatchCommand, dispatchShell, dispatchUser, dispatchWorkdir } from './config.js';
import { dispatchCopy } from './copy.js';
import { dispatchRun } from './run.js';
import { declareGlobalArgs, dispatchArg, dispatchEnv } from './scope.js';
import { automaticArgs, splitStages, stage, stageList, targetStage } from './stages.js';
import {
  formatPlatform,
  latestPerPath,
  parsePlatform,
  type ReadContext,
  type StageState,
  type Var,
} from './state.js';
import { parseDockerfile, type Instruction } from './syntax.js';
import type { Artifact, DockerfileModel, ReadOptions } from './types.js';

export { formatPlatform, parsePlatform } from './state.js';

/** Routes one instruction of a stage body to its family's dispatcher. */
function dispatch(ctx: ReadContext, state: StageState, instruction: Instruction): void {
  switch (instruction.keyword) {
    case 'ARG':
      return dispatchArg(ctx, state, instruction);
    case 'ENV':
      return dispatchEnv(ctx, state, instruction);
    case 'WORKDIR':
      return dispatchWorkdir(ctx, state, instruction);
    case 'USER':
      return dispatchUser(ctx, state, instruction);
    case 'SHELL':
      return dispatchShell(state, instruction);
    case 'ENTRYPOINT':
    case 'CMD':
      return dispatchCommand(state, instruction);
    case 'COPY':
    case 'ADD':
      return dispatchCopy(ctx, state, instruction);
    case 'RUN':
      return dispatchRun(ctx, state, instruction);
    default:
      return;
  }
}

/**
 * The shared state for one read: platforms, the global ARG scope ("Understand how ARG and FROM
 * interact": ARGs before the first FROM are evaluated in order against the automatic platform
 * ARGs) and the stages.
 */
export function createContext(text: string, options: ReadOptions): ReadContext {
  const build = parsePlatform(options.buildPlatform ?? 'linux/amd64', '--build-platform');
  const target = options.platform ? parsePlatform(options.platform, '--platform') : build;
  const parsed = parseDockerfile(text, options.path);
  const globals = new Map<string, Var>();
  for (const [name, value] of automaticArgs(target, build))
    globals.set(name, { value, origin: 'automatic platform ARG' });
  const ctx: ReadContext = {
    options,
    escape: parsed.escape,
    defs: [],
    globals,
    globalDeclared: new Set(),
    states: new Map(),
    inProgress: [],
    notes: [],
    unresolved: [],
    target,
    build,
    buildArgs: options.buildArgs ?? {},
    dispatch: (state, instruction) => dispatch(ctx, state, instruction),
  };
  ctx.defs.push(
    ...splitStages(parsed.instructions, (instruction) => declareGlobalArgs(ctx, instruction)),
  );
  return ctx;
}

function assemble(ctx: ReadContext): DockerfileModel {
  const stages = stageList(ctx);
  const targetDef = targetStage(ctx);
  const final = stage(ctx, targetDef);
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
    path: ctx.options.path,
    target: final.label,
    platform: formatPlatform(ctx.target),
    buildPlatform: formatPlatform(ctx.build),
    stages,
    finalStage,
    artifacts,
    user: final.user,
    entrypoint: final.entrypoint,
    cmd: final.cmd,
    finalBase: final.rootImage,
    finalBaseKind: classifyBase(final.rootImage),
    notes: ctx.notes,
    unresolved: ctx.unresolved,
  };
}

/**
 * The base images a model's stages start from (not scratch, not another stage, not a
 * reference with an unset variable), for a caller that can look them up (ReadOptions.baseImage).
 */
export function baseImagesOf(model: DockerfileModel): string[] {
  const broken = new Set(model.unresolved.map((u) => u.range.startLine));
  return [
    ...new Set(
      model.stages
        .filter(
          (s) =>
            s.fromStage === null && s.from.toLowerCase() !== 'scratch' && !broken.has(s.startLine),
        )
        .map((s) => s.from),
    ),
  ];
}

/** Builds the model of a Dockerfile's text. Pure: no I/O. Throws InputError on bad input. */
export function readDockerfile(text: string, options: ReadOptions): DockerfileModel {
  return assemble(createContext(text, options));
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
