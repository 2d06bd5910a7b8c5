/**
 * What every rule reads (the image, the loader simulation, the Dockerfile model) and the one
 * way rules build findings, with the Dockerfile lines to blame: the instruction that placed a
 * file, the RUN that built it and the stage's FROM; ENTRYPOINT/CMD (and USER) for the entrypoint
 * rules; the final FROM for the image as a whole and for files that came with the base image.
 */
import picomatch from 'picomatch';
import type { Artifact, DockerfileModel, Range } from '../dockerfile/types.js';
import type { BlameRole, DockerfileRange, Finding, Level, RuleMeta } from '../findings.js';
import type { X86Level } from '../exec/cpu-level.js';
import type { ImageView } from '../image/types.js';
import type { ManifestContainer } from '../kubernetes/workloads.js';
import type { ConfirmationFacts } from '../confirm/judge.js';
import type { ImageLoadReport } from '../loader/index.js';

export interface DockerfileInput {
  model: DockerfileModel;
  /** The Dockerfile's text, for the instruction shown beside each blamed line. */
  text: string;
}

export interface RuleContext {
  image: ImageView;
  loads: ImageLoadReport;
  dockerfile: DockerfileInput | null;
  /** Kernel version the nodes run at least (e.g. `4.19`); null when not configured. */
  kernelMinimum: string | null;
  /** The x86-64 microarchitecture level every node has at least (1-4: x86-64-v1..v4). */
  x86LevelMinimum: X86Level;
  /** The Kubernetes manifests given (`scan --manifests`); absent when none were. */
  manifests?: ManifestInput;
  /** What running the image showed (`scan --confirm`); absent otherwise. The EG7xx rules read it. */
  confirmation?: ConfirmationFacts;
}

export interface ManifestInput {
  /** The manifest files read. */
  files: readonly string[];
  /** The names the image was looked for by (its reference and tags, the user's mapped names). */
  imageNames: readonly string[];
  /** The containers that run this image, each started as its pod spec says. */
  containers: readonly ManifestContainer[];
  /**
   * True when the image starts only as these containers say (the admission webhook): the image
   * config's own start (`docker run`) is not checked, and every start finding is a container's.
   */
  podsOnly?: boolean;
}

/**
 * A rule's metadata as its module writes it: `RuleMeta` without the help page, which the catalog
 * assembles from `why`, `fix` and `safeToIgnore` (Markdown). In `runtimeError`, `/app` stands for
 * the file a finding is about (`RUNTIME_ERROR_PATH_PLACEHOLDER` in catalog.ts).
 */
export interface RuleSpec extends Omit<RuleMeta, 'helpMarkdown'> {
  why: string;
  fix: string;
  safeToIgnore: string;
  /**
   * What running the image (`scan --confirm`) can show of an error of this rule: `start`, the
   * container's start whatever file the finding names (the engine refuses it or the entrypoint
   * dies); `load`, one ELF file's exec or load (the entrypoint's start when the file is on it or
   * its error is what the entrypoint printed, the image's loader otherwise). Absent: nothing.
   */
  confirmedBy?: 'start' | 'load';
}

/** One rule: its metadata and its pure check, which returns only findings of its own `id`. */
export interface Rule extends RuleSpec {
  check(ctx: RuleContext): Finding[];
}

export type Blame = Pick<Finding, 'dockerfile' | 'related'>;

const NO_BLAME: Blame = { dockerfile: null, related: [] };

function instructionText(input: DockerfileInput, range: Range): string {
  const lines = input.text.split(/\r?\n/);
  const text = lines
    .slice(range.startLine - 1, range.endLine)
    .map((line) => line.replace(/\\$/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 120 ? text.slice(0, 117) + '...' : text;
}

function range(input: DockerfileInput, r: Range, role: BlameRole): DockerfileRange {
  return {
    path: input.model.path,
    startLine: r.startLine,
    endLine: r.endLine,
    role,
    instruction: instructionText(input, r),
  };
}

function sameRange(a: DockerfileRange, b: DockerfileRange): boolean {
  return a.startLine === b.startLine && a.endLine === b.endLine;
}

/** The artifact of the model that put `path` into the final image, or null. */
export function artifactFor(model: DockerfileModel, path: string): Artifact | null {
  for (const artifact of model.artifacts) {
    if (artifact.path === path) return artifact;
  }
  for (const artifact of model.artifacts) {
    if (artifact.path.endsWith('/') && path.startsWith(artifact.path)) return artifact;
    if (/[*?[]/.test(artifact.path) && picomatch.isMatch(path, artifact.path, { dot: true }))
      return artifact;
  }
  return null;
}

/** The final stage's FROM: where findings about the image as a whole go. */
export function blameImage(ctx: RuleContext): Blame {
  const input = ctx.dockerfile;
  if (!input) return NO_BLAME;
  return { dockerfile: range(input, input.model.finalStage.fromRange, 'from'), related: [] };
}

/** COPY/ADD (or RUN) that placed the file, then the RUN that built it, then the FROM. */
export function blameFile(ctx: RuleContext, ...paths: (string | null)[]): Blame {
  const input = ctx.dockerfile;
  if (!input) return NO_BLAME;
  for (const path of paths) {
    if (path === null) continue;
    const artifact = artifactFor(input.model, path);
    if (!artifact) continue;
    const placed = range(input, artifact.blame.placed, 'placed');
    const related: DockerfileRange[] = [];
    if (artifact.blame.built) {
      const built = range(input, artifact.blame.built, 'built');
      if (!sameRange(built, placed)) related.push(built);
    }
    const from = range(input, artifact.blame.from, 'from');
    if (!sameRange(from, placed)) related.push(from);
    return { dockerfile: placed, related };
  }
  return blameImage(ctx);
}

/** One instruction of the Dockerfile, in the given role (a FROM line, for EG206). */
export function blameLine(ctx: RuleContext, r: Range, role: BlameRole): Blame {
  const input = ctx.dockerfile;
  if (!input) return NO_BLAME;
  return { dockerfile: range(input, r, role), related: [] };
}

/** ENTRYPOINT (or CMD), with USER as a related line when `withUser`. */
export function blameEntrypoint(ctx: RuleContext, withUser: boolean): Blame {
  const input = ctx.dockerfile;
  if (!input) return NO_BLAME;
  const { model } = input;
  const instruction = model.entrypoint ?? model.cmd;
  const related: DockerfileRange[] = [];
  if (model.entrypoint && model.cmd) related.push(range(input, model.cmd.range, 'entrypoint'));
  if (withUser && model.user) related.push(range(input, model.user.range, 'user'));
  if (!instruction) {
    const from = blameImage(ctx);
    return { dockerfile: from.dockerfile, related };
  }
  return { dockerfile: range(input, instruction.range, 'entrypoint'), related };
}

/**
 * The final stage's USER line, then `also` (e.g. a program's own blame) as related lines; the
 * final FROM when the Dockerfile sets no USER (the base image's user applies).
 */
export function blameUser(ctx: RuleContext, also: Blame = NO_BLAME): Blame {
  const input = ctx.dockerfile;
  if (!input) return NO_BLAME;
  const user = input.model.user;
  const primary = user ? range(input, user.range, 'user') : blameImage(ctx).dockerfile;
  const related = [also.dockerfile, ...also.related].filter(
    (r): r is DockerfileRange => r !== null && !(primary !== null && sameRange(r, primary)),
  );
  return { dockerfile: primary, related };
}

export function finding(
  ruleId: string,
  level: Level,
  path: string | null,
  message: string,
  evidence: string[],
  blame: Blame,
): Finding {
  return { ruleId, level, path, message, evidence, ...blame, suppression: null };
}

/** Executable by someone: a file without any x bit cannot be exec'd, so it never starts. */
export function isExecutableFile(mode: number): boolean {
  return (mode & 0o111) !== 0;
}

/** At most `max` items, then "and N more". */
export function listSome(items: string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
