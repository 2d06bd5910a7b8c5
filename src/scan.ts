/**
 * The library entry both front ends call: open the image, read the Dockerfile model, simulate
 * the loader, run the rules, and return the report (the `--format json` contract). It reads
 * nothing but its sources (the image, the Dockerfile text it is given) and never process.env.
 */
import { baseImagesOf, readDockerfile } from './dockerfile/index.js';
import { engineBaseImages } from './dockerfile/engine-bases.js';
import type { DockerfileModel } from './dockerfile/types.js';
import { analyzeElf, parseElf } from './elf/index.js';
import { InputError } from './errors.js';
import {
  DEFAULT_X86_LEVEL,
  parseX86Level,
  X86_LEVEL_NAMES,
  type X86Level,
} from './exec/cpu-level.js';
import { applyConfirmation, confirmImage, type ConfirmOptions } from './confirm/index.js';
import { addLibraryClosures } from './fix/builder-images.js';
import type { ManifestsReport, ReportConfirmation, ScanReport } from './findings.js';
import { openImage, type ImageSourceSpec } from './image/open.js';
import type { ImageView } from './image/types.js';
import {
  containersRunning,
  imageMatches,
  manifestImageProblem,
  readManifestDocuments,
  readManifests,
  type ManifestSet,
} from './kubernetes/index.js';
import { simulateImage } from './loader/index.js';
import { blameImage, type ManifestInput, type RuleContext } from './rules/context.js';
import { addConfirmationFindings, runRules } from './rules/index.js';

export type { ImageSourceSpec } from './image/open.js';

export interface DockerfileSpec {
  /** As the user named it; findings carry this path. */
  path: string;
  text: string;
  target?: string;
  buildArgs?: Record<string, string>;
}

export interface ScanOptions {
  source: ImageSourceSpec;
  /** `os/arch[/variant]` to pick from a multi-platform image; also the Dockerfile's target platform. */
  platform?: string;
  dockerfile?: DockerfileSpec;
  /** Kernel version the nodes run at least (EG107); unchecked when absent. */
  kernelMinimum?: string;
  /**
   * The x86-64 level every node has at least (EG111): `x86-64-v1` to `x86-64-v4`; default
   * `x86-64-v2` (DEFAULT_X86_LEVEL). Another value is an InputError.
   */
  x86Level?: string;
  /**
   * Run the image in the engine to confirm the findings (`scan --confirm`, src/confirm/). The
   * image must be in the engine: the one named by an engine source, else the one whose id is the
   * archive's config digest. Throws InputError when it is not.
   */
  confirm?: ConfirmOptions;
  /**
   * The engine whose images the fix for a missing library (EG103) reads: the base image of the
   * stage that built the file, for the exact `COPY --from` lines of the library's closure. An
   * engine source always uses its own engine; other sources only when this is given.
   */
  builderImages?: {
    dockerHost?: string;
    /** Larger builder images are not read (bytes; default 2 GiB, MAX_BUILDER_IMAGE_BYTES). */
    maxImageBytes?: number;
  };
  /** Kubernetes manifests whose containers that run this image are checked as they start it. */
  manifests?: ManifestsSpec;
}

export interface ManifestsSpec {
  /** Files or folders, as `kubectl apply -f` takes them; findings carry these paths. */
  paths: string[];
  /** Manifests already in memory (an admission request's object), named in findings by `file`. */
  documents?: { file: string; text: string }[];
  /**
   * The image starts only as these containers' pod specs say (an admission webhook judges a pod,
   * not `docker run`): the image config's own start is not checked on its own.
   */
  podsOnly?: boolean;
  /**
   * Other names the manifests give the image: `NAME`, or `NAME=IMAGE` to count NAME only when
   * the scanned image is IMAGE. The image's reference and tags always count.
   */
  images?: string[];
}

/** The names a container's `image` may use for the scanned image. */
function imageNames(ref: string | null, view: ImageView, mapped: readonly string[]): string[] {
  const own = [...(ref === null ? [] : [ref]), ...view.config.repoTags];
  const names = [...own];
  for (const entry of mapped) {
    const eq = entry.indexOf('=');
    if (eq === -1) names.push(entry);
    else if (imageMatches(entry.slice(eq + 1), own)) names.push(entry.slice(0, eq));
  }
  return [...new Set(names)];
}

/** Throws InputError for a `--manifest-image` entry that is not `NAME` or `NAME=IMAGE`. */
function checkManifestImages(entries: readonly string[]): void {
  for (const entry of entries) {
    const problem = manifestImageProblem(entry);
    if (problem) throw new InputError(`--manifest-image ${problem}`);
  }
}

function readManifestSpec(spec: ManifestsSpec): ManifestSet {
  const fromFiles = readManifests(spec.paths);
  if (!spec.documents) return fromFiles;
  const fromMemory = readManifestDocuments(spec.documents);
  return {
    files: [...fromFiles.files, ...fromMemory.files],
    containers: [...fromFiles.containers, ...fromMemory.containers],
    notices: [...fromFiles.notices, ...fromMemory.notices],
  };
}

function manifestInput(set: ManifestSet, names: string[], podsOnly: boolean): ManifestInput {
  return {
    files: set.files,
    imageNames: names,
    containers: containersRunning(set, names),
    podsOnly,
  };
}

function manifestsReport(input: ManifestInput, set: ManifestSet): ManifestsReport {
  return {
    files: set.files,
    containers: input.containers.map((c) => ({
      workload: `${c.workload.kind}/${c.workload.name}`,
      container: c.name,
      containerKind: c.kind,
      image: c.image,
      path: c.workload.file,
      line: c.line,
    })),
    notices: set.notices.map((n) => ({ path: n.file, line: n.line, message: n.message })),
  };
}

function x86LevelOption(name: string | undefined): X86Level {
  const level = parseX86Level(name ?? DEFAULT_X86_LEVEL);
  if (level === null)
    throw new InputError(`x86-64 level '${name}': expected one of ${X86_LEVEL_NAMES.join(', ')}`);
  return level;
}

function platformOf(view: ImageView): string {
  const { os, architecture, variant } = view.config;
  return [os || 'linux', architecture, variant].filter((p) => p).join('/');
}

export async function scan(options: ScanOptions): Promise<ScanReport> {
  const started = Date.now();
  // A bad option fails before the image is read.
  const x86LevelMinimum = x86LevelOption(options.x86Level);
  // Manifests first: a bad one fails before the image is read.
  if (options.manifests?.images) checkManifestImages(options.manifests.images);
  const manifestSet = options.manifests ? readManifestSpec(options.manifests) : null;
  // Files on disk are parsed from the ranges the parser asks for; only streams (the engine's
  // export) hand over each ELF file whole.
  const image = await openImage(options.source, {
    platform: options.platform,
    analyzeElf,
    analyzeElfRanges: parseElf,
  });
  const platform = platformOf(image);
  let model: DockerfileModel | null = null;
  if (options.dockerfile) {
    const read = {
      path: options.dockerfile.path,
      target: options.dockerfile.target,
      buildArgs: options.dockerfile.buildArgs,
      platform: options.platform ?? platform,
    };
    model = readDockerfile(options.dockerfile.text, read);
    // An image in the engine was usually just built: its base images are there too, and their
    // config (ENV, WORKDIR, a C compiler on PATH) says more than their names.
    if (options.source.kind === 'engine') {
      const bases = await engineBaseImages(baseImagesOf(model), options.source.dockerHost);
      if (bases.size > 0)
        model = readDockerfile(options.dockerfile.text, {
          ...read,
          baseImage: (reference) => bases.get(reference) ?? null,
        });
    }
  }
  // An archive's path is no image name; its RepoTags are.
  const ref = options.source.kind === 'engine' ? options.source.ref : null;
  const manifests = manifestSet
    ? manifestInput(
        manifestSet,
        imageNames(ref, image, options.manifests?.images ?? []),
        options.manifests?.podsOnly ?? false,
      )
    : null;
  const ctx: RuleContext = {
    image,
    loads: simulateImage(image),
    dockerfile: model && options.dockerfile ? { model, text: options.dockerfile.text } : null,
    kernelMinimum: options.kernelMinimum ?? null,
    x86LevelMinimum,
    ...(manifests ? { manifests } : {}),
  };
  let findings = runRules(ctx);
  const builderEngine =
    options.source.kind === 'engine'
      ? { ...options.builderImages, dockerHost: options.source.dockerHost }
      : (options.builderImages ?? null);
  if (model && builderEngine)
    findings = await addLibraryClosures(
      findings,
      image,
      model,
      builderEngine.dockerHost,
      builderEngine.maxImageBytes,
    );
  let confirmation: ReportConfirmation | undefined;
  if (options.confirm) {
    const dockerHost =
      options.source.kind === 'engine' ? options.source.dockerHost : options.confirm.dockerHost;
    const facts = await confirmImage(image, ctx.loads, findings, {
      ...options.confirm,
      ...(dockerHost !== undefined ? { dockerHost } : {}),
    });
    const applied = applyConfirmation(
      addConfirmationFindings({ ...ctx, confirmation: facts }, findings),
      facts,
      ctx.loads,
    );
    findings = applied.findings;
    confirmation = applied.report;
  }

  let files = 0;
  let elfFiles = 0;
  for (const file of image.files.values()) {
    if (file.type !== 'file') continue;
    files++;
    if (file.elf !== null || file.elfError !== null) elfFiles++;
  }
  const count = (level: string) =>
    findings.filter((f) => f.level === level && f.suppression === null).length;
  return {
    version: 1,
    image: {
      ref: options.source.kind === 'archive' ? options.source.path : options.source.ref,
      id: image.config.id,
      platform,
      digest: image.config.digests[0] ?? null,
    },
    dockerfile: model
      ? { path: model.path, target: model.target, finalFrom: blameImage(ctx).dockerfile }
      : null,
    findings,
    summary: {
      errors: count('error'),
      warnings: count('warning'),
      notes: count('note'),
      files,
      elfFiles,
      durationMs: Date.now() - started,
    },
    ...(confirmation ? { confirmation } : {}),
    ...(manifests && manifestSet ? { manifests: manifestsReport(manifests, manifestSet) } : {}),
  };
}
