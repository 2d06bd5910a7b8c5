/**
 * Attaches to each EG103 finding (a library the loader misses) and EG101 finding (the loader
 * itself missing) the COPY lines that bring the loader and the libraries' closure from the stage
 * that built the file, or the image it was copied from: the Dockerfile model says which one (the
 * artifact's origin), the stage's root base image is read from the engine, and
 * src/fix/library-closure.ts finds the files by simulating both loaders.
 *
 * A library a RUN of the builder stage installed or built is not in its base image: the
 * finding then says so (`unavailable`) and the rule's generic fix stands. The engine right after
 * `docker build` usually has the base images; when it does not, the reason says to pull it.
 * Closures of several findings that would put different files at one path are withdrawn too.
 */
import type Docker from 'dockerode';
import { artifactFor } from '../dockerfile/index.js';
import type { Artifact, DockerfileModel, Stage } from '../dockerfile/types.js';
import { analyzeElf, parseElf } from '../elf/index.js';
import type { DockerfileRange, Finding, LibraryClosureFix } from '../findings.js';
import { dockerClient, openImage } from '../image/open.js';
import type { ImageView } from '../image/types.js';
import { libraryClosure } from './library-closure.js';

/** A missing loader (EG101) and a missing library (EG103): what copies from a builder supply. */
const CLOSURE_RULES = new Set(['EG101', 'EG103']);

/** Where a file of the final image came from: what COPY --from names, and the image to read. */
interface Builder {
  from: string;
  image: string;
  /** For reasons: `golang:1.22 (the base of stage build)`. */
  described: string;
}

/** The artifact behind a finding: by its path, else by the COPY line it is blamed on. */
function artifactOf(model: DockerfileModel, finding: Finding): Artifact | null {
  if (finding.path !== null) {
    const byPath = artifactFor(model, finding.path);
    if (byPath) return byPath;
  }
  const placed = finding.dockerfile;
  if (!placed || placed.role !== 'placed') return null;
  return model.artifacts.find((a) => a.blame.placed.startLine === placed.startLine) ?? null;
}

/** The stage a name or index names (`AS build` is compared lower-cased, as BuildKit does). */
function stageNamed(model: DockerfileModel, name: string): Stage | null {
  const lower = name.toLowerCase();
  return model.stages.find((s) => (s.name ?? String(s.index)) === lower) ?? null;
}

/** A stage's builder: its root base image (after FROM <stage> hops), null for scratch. */
function stageBuilder(model: DockerfileModel, named: Stage, from: string): Builder | null {
  let stage = named;
  for (let hops = 0; stage.fromStage !== null && hops < model.stages.length; hops++)
    stage = model.stages[stage.fromStage]!;
  if (stage.fromStage !== null || stage.from === 'scratch') return null;
  return { from, image: stage.from, described: `${stage.from} (the base of stage ${from})` };
}

/** `--from=<name>` of the COPY that placed the file, as written there. */
const COPY_FROM = /^\s*COPY\s+(?:--[a-z-]+(?:=\S*)?\s+)*?--from=(\S+)/i;

/**
 * The builder of a file the final stage copied: the stage that built it (its root base image
 * holds the libraries the build linked against); for a file already in an image, the stage the
 * COPY names (`COPY --from=src`, its root base image) or the image itself (`COPY --from=<image>`).
 * Null for files from the build context, downloads, or a stage rooted in scratch.
 */
function builderOf(
  model: DockerfileModel,
  artifact: Artifact,
  placed: DockerfileRange,
): Builder | null {
  if (artifact.source === 'built') {
    const stage = stageNamed(model, artifact.stage);
    if (!stage || stage === model.finalStage) return null;
    return stageBuilder(model, stage, stage.name ?? String(stage.index));
  }
  if (artifact.source !== 'image') return null;
  const named = COPY_FROM.exec(placed.instruction)?.[1];
  const stage = named ? stageNamed(model, named) : null;
  if (stage && stage !== model.finalStage) return stageBuilder(model, stage, named!);
  return { from: artifact.stage, image: artifact.stage, described: artifact.stage };
}

/** Opens builder images from the engine once each. */
class BuilderImages {
  private readonly views = new Map<string, Promise<ImageView | string>>();
  private docker: Promise<Docker | null> | null = null;

  constructor(
    private readonly dockerHost: string | undefined,
    private readonly maxImageBytes: number,
  ) {}

  /** The image, or why it cannot be read (a reason: not there, no engine, unreadable). */
  open(reference: string): Promise<ImageView | string> {
    let view = this.views.get(reference);
    if (!view) {
      view = this.read(reference);
      this.views.set(reference, view);
    }
    return view;
  }

  private async read(reference: string): Promise<ImageView | string> {
    const unreachable = `no Docker Engine answered${this.dockerHost ? ` at ${this.dockerHost}` : ''}: the exact COPY lines need ${reference} from it`;
    this.docker ??= dockerClient(this.dockerHost).catch(() => null);
    const docker = await this.docker;
    if (!docker) return unreachable;
    let size: number;
    try {
      size = (await docker.getImage(reference).inspect()).Size;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404)
        return `${reference} is not in the Docker Engine: pull it (docker pull ${reference}) for the exact COPY lines`;
      return unreachable;
    }
    // Reading a builder costs about 6 s per GB (the engine's export): a CUDA or SDK image would
    // slow every failing check by minutes for a fix; above the cap the reason says so instead.
    if (size > this.maxImageBytes)
      return `${reference} is ${gigabytes(size)}; builders over ${gigabytes(this.maxImageBytes)} are not read for exact COPY lines (ldd in that stage lists the files)`;
    try {
      return await openImage(
        {
          kind: 'engine',
          ref: reference,
          ...(this.dockerHost ? { dockerHost: this.dockerHost } : {}),
        },
        { analyzeElf, analyzeElfRanges: parseElf },
      );
    } catch (error) {
      return `${reference} could not be read from the Docker Engine: ${(error as Error).message}`;
    }
  }
}

function gigabytes(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** The largest builder image read for the COPY lines, by default (the engine's image size). */
export const MAX_BUILDER_IMAGE_BYTES = 2 * 1024 ** 3;

/**
 * Returns `findings` with `libraryClosure` set on each EG101/EG103 finding about a file another
 * stage built or an image supplied (findings of other rules unchanged, same order). Reads the
 * builders' images from the engine at `dockerHost` (default DOCKER_HOST), none larger than
 * `maxImageBytes` (bytes, the engine's image size); never throws for an engine that is missing
 * or does not have an image.
 */
export async function addLibraryClosures(
  findings: Finding[],
  finalView: ImageView,
  model: DockerfileModel,
  dockerHost: string | undefined,
  maxImageBytes = MAX_BUILDER_IMAGE_BYTES,
): Promise<Finding[]> {
  if (!findings.some((f) => CLOSURE_RULES.has(f.ruleId) && f.path !== null)) return findings;
  const images = new BuilderImages(dockerHost, maxImageBytes);
  const closures = new Map<string, LibraryClosureFix | null>();
  const result: Finding[] = [];
  for (const finding of findings) {
    const placed = finding.dockerfile;
    const artifact =
      CLOSURE_RULES.has(finding.ruleId) && finding.path !== null && placed?.role === 'placed'
        ? artifactOf(model, finding)
        : null;
    const builder = artifact && placed ? builderOf(model, artifact, placed) : null;
    if (!builder || !placed || finding.path === null) {
      result.push(finding);
      continue;
    }
    const key = `${builder.from}\0${finding.path}\0${placed.startLine}`;
    if (!closures.has(key)) {
      const view = await images.open(builder.image);
      let fix: LibraryClosureFix;
      if (typeof view === 'string')
        fix = {
          kind: 'unavailable',
          from: builder.from,
          image: builder.image,
          reason: view,
          builderRead: false,
        };
      else {
        const closure = libraryClosure(finalView, view, finding.path, builder.described);
        fix =
          closure.kind === 'copies'
            ? {
                kind: 'copy-from',
                from: builder.from,
                image: builder.image,
                after: placed,
                copies: closure.copies,
              }
            : {
                kind: 'unavailable',
                from: builder.from,
                image: builder.image,
                reason: closure.reason,
                builderRead: true,
              };
      }
      closures.set(key, fix);
    }
    const fix = closures.get(key);
    result.push(fix ? { ...finding, libraryClosure: fix } : finding);
  }
  return withoutConflicts(result);
}

/** `folder/name` of a copy in the final image, as the COPY line writes it. */
function destinationOf(copy: { source: string; destination: string }): string {
  const name = copy.source.slice(copy.source.lastIndexOf('/') + 1);
  return copy.destination === '/' ? `/${name}` : `${copy.destination}/${name}`;
}

/**
 * Closures checked one by one may put different files at one path: a program built on bookworm
 * and one copied from bullseye each bring their own libc.so.6, and the later COPY wins, so one
 * of them stops. Such closures are no fix; each says which copies collide.
 */
function withoutConflicts(findings: Finding[]): Finding[] {
  const writers = new Map<string, Set<string>>();
  for (const f of findings) {
    const c = f.libraryClosure;
    if (c?.kind !== 'copy-from') continue;
    for (const copy of c.copies) {
      const at = destinationOf(copy);
      writers.set(at, (writers.get(at) ?? new Set()).add(`--from=${c.from} ${copy.source}`));
    }
  }
  return findings.map((f) => {
    const c = f.libraryClosure;
    if (c?.kind !== 'copy-from') return f;
    const clash = c.copies.map(destinationOf).find((at) => (writers.get(at)?.size ?? 0) > 1);
    if (!clash) return f;
    const sources = [...writers.get(clash)!];
    return {
      ...f,
      libraryClosure: {
        kind: 'unavailable',
        from: c.from,
        image: c.image,
        reason: `the programs of this image need different files at ${clash} (${sources.join(' and ')}): one image holds one; build them against one C library (one builder stage), or use a base image with a C library new enough for all`,
        builderRead: true,
      },
    };
  });
}
