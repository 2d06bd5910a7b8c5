/**
 * The library entry both front ends call: open the image, read the Dockerfile model, simulate
 * the loader, run the rules, and return the report (the `--format json` contract). It reads
 * nothing but its sources (the image, the Dockerfile text it is given) and never process.env.
 */
import { readDockerfile } from './dockerfile/index.js';
import type { DockerfileModel } from './dockerfile/types.js';
import { analyzeElf, parseElf } from './elf/index.js';
import { applyConfirmation, confirmImage, type ConfirmOptions } from './confirm/index.js';
import type { ReportConfirmation, ScanReport } from './findings.js';
import { openImage, type ImageSourceSpec } from './image/open.js';
import type { ImageView } from './image/types.js';
import { simulateImage } from './loader/index.js';
import { blameImage, type RuleContext } from './rules/context.js';
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
   * Run the image in the engine to confirm the findings (`scan --confirm`, src/confirm/). The
   * image must be in the engine: the one named by an engine source, else the one whose id is the
   * archive's config digest. Throws InputError when it is not.
   */
  confirm?: ConfirmOptions;
}

function platformOf(view: ImageView): string {
  const { os, architecture, variant } = view.config;
  return [os || 'linux', architecture, variant].filter((p) => p).join('/');
}

export async function scan(options: ScanOptions): Promise<ScanReport> {
  const started = Date.now();
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
    model = readDockerfile(options.dockerfile.text, {
      path: options.dockerfile.path,
      target: options.dockerfile.target,
      buildArgs: options.dockerfile.buildArgs,
      platform: options.platform ?? platform,
    });
  }
  const ctx: RuleContext = {
    image,
    loads: simulateImage(image),
    dockerfile: model && options.dockerfile ? { model, text: options.dockerfile.text } : null,
    kernelMinimum: options.kernelMinimum ?? null,
  };
  let findings = runRules(ctx);
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
      ref: options.source.kind === 'engine' ? options.source.ref : options.source.path,
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
  };
}
