/**
 * The state the instruction modules share while reading one Dockerfile, as BuildKit's
 * dispatchers share their dispatchState: the stages, the global ARG scope, the platforms, and
 * per stage its environment and the file events that make up its filesystem. Helpers that
 * every module needs (expansion with file:line errors, recording a file event) live here.
 */
import { posix } from 'node:path';
import { InputError } from '../errors.js';
import { ExpandError, expandWord, expandWords, type Lookup } from './expand.js';
import type { Instruction } from './syntax.js';
import type {
  ArtifactSource,
  ChainStep,
  ConfigInstruction,
  DeclaredTriple,
  DeclaredValue,
  GoBuildFlags,
  Platform,
  Range,
  ReadOptions,
  UnresolvedReference,
} from './types.js';

/** A variable's value and where it was set, for DeclaredValue.origin. */
export interface Var {
  value: string;
  origin: string;
}

/** Where a file came from: shared by every copy of it. */
export interface Origin {
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
export interface FileEvent {
  kind: 'file' | 'tree' | 'some';
  path: string;
  origin: Origin;
  chain: ChainStep[];
  chmod: string | null;
  chown: string | null;
  /**
   * For a `some` event: the names its builder says it makes (make targets, an --output), so
   * that a copied file is blamed on the build that names it rather than the latest one.
   */
  names?: string[];
  /**
   * Replaced by the merged "one of these" events of its RUN (run.ts): lookups and the final
   * model skip it. Marked rather than removed, which keeps the stage's indexes valid.
   */
  superseded?: true;
}

export interface StageDef {
  index: number;
  name: string | null;
  from: Instruction;
  body: Instruction[];
  endLine: number;
}

export interface StageState {
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
  /** False when the WORKDIR used a variable the stage does not set. */
  workdirSure: boolean;
  /** A C compiler on PATH (Go's CGO_ENABLED default); null when the base image is unknown. */
  compiler: { present: boolean | null; why: string };
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

/** Everything the instruction modules share while reading one Dockerfile. */
export interface ReadContext {
  readonly options: ReadOptions;
  readonly escape: string;
  readonly defs: StageDef[];
  /** The global scope: automatic platform ARGs and the ARGs before the first FROM. */
  readonly globals: Map<string, Var>;
  readonly globalDeclared: Set<string>;
  readonly states: Map<number, StageState>;
  /** Stages being evaluated, for cycle errors. */
  readonly inProgress: number[];
  readonly notes: string[];
  /** FROM lines whose variables expand to nothing, one per line. */
  readonly unresolved: UnresolvedReference[];
  readonly target: Platform;
  readonly build: Platform;
  readonly buildArgs: Record<string, string>;
  /** Applies one instruction of a stage body (model.ts routes it to its family's module). */
  readonly dispatch: (state: StageState, instruction: Instruction) => void;
}

export const AUTOMATIC = [
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
];

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

export function emptyTriple(origin: string, implicit = false): DeclaredTriple {
  const v = (): DeclaredValue => ({ value: null, assumed: null, implicit, origin });
  return { GOOS: v(), GOARCH: v(), CGO_ENABLED: v() };
}

export function note(ctx: ReadContext, text: string): void {
  if (!ctx.notes.includes(text)) ctx.notes.push(text);
}

export function where(ctx: ReadContext, instruction: Instruction): string {
  return `${ctx.options.path}:${instruction.range.startLine}`;
}

export function expand(
  ctx: ReadContext,
  text: string,
  lookup: Lookup,
  instruction: Instruction,
): string {
  try {
    return expandWord(text, lookup, { escape: ctx.escape });
  } catch (error) {
    if (error instanceof ExpandError)
      throw new InputError(`${where(ctx, instruction)}: ${error.message}`);
    throw error;
  }
}

export function expandList(
  ctx: ReadContext,
  text: string,
  lookup: Lookup,
  instruction: Instruction,
): string[] {
  try {
    return expandWords(text, lookup, { escape: ctx.escape });
  } catch (error) {
    if (error instanceof ExpandError)
      throw new InputError(`${where(ctx, instruction)}: ${error.message}`);
    throw error;
  }
}

/** Records what an instruction wrote, keeping the stage's lookup indexes current. */
export function addEvent(state: StageState, event: FileEvent): void {
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

export function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

export function cleanPath(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

export function covers(dir: string, path: string): boolean {
  return dir === '/' || path === dir || path.startsWith(dir + '/');
}

/** Keeps the last event per path, in first-appearance order. */
export function latestPerPath(events: FileEvent[]): FileEvent[] {
  const byPath = new Map<string, FileEvent>();
  for (const event of events) {
    if (event.superseded) continue;
    byPath.delete(event.path);
    byPath.set(event.path, event);
  }
  return [...byPath.values()];
}
