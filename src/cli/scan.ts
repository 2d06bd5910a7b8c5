/**
 * `exit139-guard scan`: scans an image (from the engine, an archive/folder or a registry) against its
 * Dockerfile and prints the findings. Exit status 0 when nothing is at or above --fail-on,
 * 1 when something is, 2 for bad usage or unreadable input.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from './args.js';
import type { Command, CommandIO } from './command.js';
import { applyPolicy, loadPolicy } from '../config/index.js';
import { InputError, UsageError } from '../errors.js';
import { manifestImageProblem } from '../kubernetes/images.js';
import { LEVELS, type Level, type ScanReport } from '../findings.js';
import { markBaseline, readBaseline } from '../report/baseline.js';
import { findRepositoryRoot, formatReport, REPORT_FORMATS } from '../report/formats.js';
import { readDockerConfig, type CredentialSource } from '../image/registry/index.js';
import { MAX_CONFIG_BYTES, MAX_DOCKERFILE_BYTES, readInputText } from '../input-files.js';
import { FAIL_ON_VALUES, judge, type FailOn } from '../report/gate.js';
import { formatJson, formatJsonReports } from '../report/json.js';
import { renderSections, type ImageSection } from '../report/markdown.js';
import { toSarifRuns } from '../report/sarif.js';
import { parseImagesInput } from '../images-list.js';
import { listPlatforms } from '../image/open.js';
import { answersPlatform, platformNotInImage } from '../image/platform.js';
import { formatText } from '../report/text.js';
import { X86_LEVEL_NAMES } from '../exec/cpu-level.js';
import { scan, type ScanOptions } from '../scan.js';

const USAGE = `Usage: exit139-guard scan (--image REF | --archive PATH | --remote REF | --images FILE)
                         [--dockerfile PATH] [--target STAGE]
                         [--build-arg K=V]... [--platform OS/ARCH[/VARIANT]]
                         [--format text|json|sarif|markdown] [--output FILE]
                         [--fail-on error|warning|note|never] [--config FILE]
                         [--baseline FILE] [--comment-level error|warning|note]
                         [--kernel-minimum VERSION]
                         [--x86-64-level x86-64-v1|v2|v3|v4]
                         [--registry-auth CONFIG_JSON] [--insecure-registry]
                         [--manifests PATH]... [--manifest-image NAME[=IMAGE]]...
                         [--confirm | --confirm=all]

Checks every ELF file of the image against the loader, C library and architecture the image
really has, and its entrypoint against the files and USER, before the container dies on start.

Options:
  --image REF         an image in the Docker Engine (DOCKER_HOST)
  --archive PATH      a docker-save tar, OCI archive, OCI layout folder or rootfs folder
  --images FILE       several images, one per line: REF-OR-PATH [dockerfile=F] [target=T]
                      [platform=P|all] [build-args=K=V,K=V], as the action's input images
  --remote REF        an image in a registry, read over the OCI Distribution API (no engine)
  --registry-auth F   a Docker config.json with the registry's credentials ("auths")
                      (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json if present)
  --insecure-registry plain HTTP to the registry; only for localhost / 127.0.0.1 / [::1]
  --dockerfile PATH   the Dockerfile that built it: findings point at its lines
  --target STAGE      the stage that was built (default: the last stage)
  --build-arg K=V     a build argument the image was built with (repeatable)
  --platform P        the image platform os/arch[/variant] (default: the image's own; with several
                      platforms, this machine's; for a rootfs folder, its ELF files')
  --format F          text (default), json (the README's "The JSON report"), sarif or markdown
  --output FILE       write the report to FILE instead of standard output
  --fail-on LEVEL     exit 1 when a finding is at or above LEVEL (default: error)
  --config FILE       rule levels, ignored paths, suppressions (default: .exit139-guard.yml if present)
  --baseline FILE     a JSON report or SARIF of the base branch: findings already in it are marked
                      and do not count for --fail-on
  --comment-level L   markdown: list findings at or above L as the pull request comment does, count
                      the rest in one line, leave out EG501 (default: list everything, as the job summary)
  --kernel-minimum V  the oldest kernel the image must start on, e.g. 4.14 (EG107; default: the
                      config's nodes.kernel-minimum, else unchecked)
  --x86-64-level L    the x86-64 level every node has at least, for EG111 (x86-64-v1 to x86-64-v4;
                      default: the config's nodes.x86-64-level, else x86-64-v2)
  --manifests PATH    Kubernetes YAML (a file, or a folder's .yaml/.yml/.json files, as kubectl
                      apply -f reads them; repeatable): the containers that run this image are
                      checked as their pod spec starts them, findings placed on the YAML lines
  --manifest-image N  a name the manifests give this image (repeatable; NAME=IMAGE applies NAME
                      only when scanning IMAGE); the image's own reference and tags always count
  --confirm           prove by running: start the image once in the engine (no network, read-only,
                      no capabilities, 5 s) and ask its own loader about the files findings name
  --confirm=all       as --confirm, and ask the loader about every dynamic ELF of the image
Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad usage or input.`;

const FORMATS = ['text', 'json', ...REPORT_FORMATS] as const;
type Format = (typeof FORMATS)[number];

export interface ScanCliOptions {
  image?: string;
  archive?: string;
  images?: string;
  remote?: string;
  registryAuth?: string;
  insecureRegistry: boolean;
  dockerfile?: string;
  target?: string;
  buildArgs: Record<string, string>;
  platform?: string;
  format: Format;
  output?: string;
  failOn: FailOn;
  config?: string;
  x86Level?: string;
  confirm?: 'findings' | 'all';
  baseline?: string;
  commentLevel?: Level;
  kernelMinimum?: string;
  manifests: string[];
  manifestImages: string[];
}

/** Takes `--confirm` / `--confirm=all` out of `args` (a flag with an optional value). */
function takeConfirm(args: string[]): { rest: string[]; confirm?: 'findings' | 'all' } {
  let confirm: 'findings' | 'all' | undefined;
  const rest = args.filter((arg) => {
    if (arg === '--confirm') confirm = 'findings';
    else if (arg === '--confirm=all') confirm = 'all';
    else if (arg.startsWith('--confirm=')) {
      throw new UsageError(
        `--confirm takes no value or '=all', not '${arg.slice('--confirm='.length)}'`,
      );
    } else return true;
    return false;
  });
  return confirm ? { rest, confirm } : { rest };
}

export function parseScanArgs(argv: string[]): ScanCliOptions {
  const { rest: args, confirm } = takeConfirm(argv);
  const { strings, flags, lists, buildArgs } = parseArgs(args, [
    { names: ['--image'], key: 'image', kind: 'string' },
    { names: ['--archive'], key: 'archive', kind: 'string' },
    { names: ['--images'], key: 'images', kind: 'string' },
    { names: ['--remote'], key: 'remote', kind: 'string' },
    { names: ['--registry-auth'], key: 'registryAuth', kind: 'string' },
    { names: ['--insecure-registry'], key: 'insecureRegistry', kind: 'flag' },
    { names: ['--dockerfile', '-f'], key: 'dockerfile', kind: 'string' },
    { names: ['--target'], key: 'target', kind: 'string' },
    { names: ['--platform'], key: 'platform', kind: 'string' },
    { names: ['--config'], key: 'config', kind: 'string' },
    { names: ['--output', '-o'], key: 'output', kind: 'string' },
    { names: ['--format'], key: 'format', kind: 'string', choices: FORMATS },
    { names: ['--fail-on'], key: 'failOn', kind: 'string', choices: FAIL_ON_VALUES },
    { names: ['--x86-64-level'], key: 'x86Level', kind: 'string', choices: X86_LEVEL_NAMES },
    { names: ['--build-arg'], key: 'buildArgs', kind: 'build-args' },
    { names: ['--baseline'], key: 'baseline', kind: 'string' },
    { names: ['--comment-level'], key: 'commentLevel', kind: 'string', choices: LEVELS },
    { names: ['--kernel-minimum'], key: 'kernelMinimum', kind: 'string' },
    { names: ['--manifests'], key: 'manifests', kind: 'strings' },
    { names: ['--manifest-image'], key: 'manifestImages', kind: 'strings' },
  ]);
  if (strings.kernelMinimum !== undefined && !/^\d+\.\d+(\.\d+)?$/.test(strings.kernelMinimum)) {
    throw new UsageError(
      `--kernel-minimum must be a kernel version such as 4.14 or 5.10.0, not '${strings.kernelMinimum}'`,
    );
  }
  const sources = [strings.image, strings.archive, strings.remote, strings.images].filter(
    (s) => s !== undefined,
  );
  if (sources.length !== 1) {
    throw new UsageError(
      'give exactly one of --image REF, --archive PATH, --remote REF or --images FILE',
    );
  }
  if (strings.remote === undefined && (flags.insecureRegistry || strings.registryAuth)) {
    throw new UsageError('--insecure-registry and --registry-auth go with --remote');
  }
  const { format = 'text', failOn = 'error', commentLevel, ...paths } = strings;
  const manifests = lists.manifests ?? [];
  const manifestImages = lists.manifestImages ?? [];
  if (manifestImages.length > 0 && manifests.length === 0)
    throw new UsageError('--manifest-image needs --manifests');
  for (const entry of manifestImages) {
    const problem = manifestImageProblem(entry);
    if (problem) throw new UsageError(`--manifest-image ${problem}`);
  }
  return {
    ...paths,
    ...(commentLevel ? { commentLevel: commentLevel as Level } : {}),
    insecureRegistry: flags.insecureRegistry ?? false,
    buildArgs,
    format: format as Format,
    failOn: failOn as FailOn,
    manifests,
    manifestImages,
    ...(confirm ? { confirm } : {}),
  };
}

/** The one place that turns a report into the requested format. */
export function renderScanReport(
  report: ScanReport,
  options: ScanCliOptions,
  dockerfileText?: string,
): string {
  switch (options.format) {
    case 'text':
      return formatText(report);
    case 'json':
      return formatJson(report);
    default:
      return formatReport(report, options.format, {
        failOn: options.failOn,
        ...(options.platform ? { platform: options.platform } : {}),
        ...(dockerfileText !== undefined ? { dockerfileText } : {}),
        newOnly: options.baseline !== undefined,
        ...(options.commentLevel ? { level: options.commentLevel, hideRules: ['EG501'] } : {}),
      });
  }
}

/** The engine of DOCKER_HOST (default socket when unset): where builder stages' images are read. */
function engineOfEnvironment(): { dockerHost?: string } {
  return process.env.DOCKER_HOST ? { dockerHost: process.env.DOCKER_HOST } : {};
}

function readDockerfileText(file: string): string {
  return readInputText(file, { what: 'the Dockerfile', maxBytes: MAX_DOCKERFILE_BYTES });
}

function writeOutput(rendered: string, options: ScanCliOptions, io: CommandIO): void {
  if (options.output === undefined) {
    io.stdout(rendered);
    return;
  }
  try {
    writeFileSync(options.output, rendered);
  } catch (error) {
    throw new InputError(`cannot write ${options.output}: ${(error as Error).message}`);
  }
}

/**
 * `--images FILE`: every image of the file (each platform of a `platform=all` index), scanned
 * one after the other under the same config and baseline, reported together: text one after
 * the other, JSON as `{ version, reports }`, SARIF with a run per image, markdown with a
 * section per image. The exit status is over all of them.
 */
async function scanImages(options: ScanCliOptions, io: CommandIO): Promise<number> {
  const file = options.images!;
  const text = readInputText(file, { what: '--images', maxBytes: MAX_CONFIG_BYTES });
  const images = parseImagesInput(text, (p) => path.resolve(p), file);
  if (images.length === 0) throw new InputError(`${file}: lists no image`);
  const baseline = options.baseline
    ? readBaseline(
        readInputText(options.baseline, { what: '--baseline', maxBytes: MAX_CONFIG_BYTES }),
        `--baseline ${options.baseline}`,
      )
    : null;
  const reports: ScanReport[] = [];
  const sections: ImageSection[] = [];
  const platforms: (string | null)[] = [];
  for (const image of images) {
    const source: ScanOptions['source'] = image.image
      ? {
          kind: 'engine',
          ref: image.image,
          ...(process.env.DOCKER_HOST ? { dockerHost: process.env.DOCKER_HOST } : {}),
        }
      : { kind: 'archive', path: image.imageArchive! };
    const dockerfile = image.dockerfile
      ? {
          path: path.relative(process.cwd(), image.dockerfile),
          text: readDockerfileText(image.dockerfile),
          ...(image.target ? { target: image.target } : {}),
          buildArgs: image.buildArgs,
        }
      : undefined;
    const policy = await loadPolicy({
      config: options.config ?? null,
      dockerfile: dockerfile ?? null,
    });
    const kernelMinimum = options.kernelMinimum ?? policy.config.kernelMinimum;
    const asked: (string | null)[] =
      image.platform === 'all' ? await listPlatforms(source) : [image.platform];
    for (const platform of asked) {
      const scanned = await scan({
        source,
        builderImages: engineOfEnvironment(),
        ...(platform ? { platform } : {}),
        ...(dockerfile ? { dockerfile } : {}),
        ...(kernelMinimum ? { kernelMinimum } : {}),
      });
      if (platform && !answersPlatform(platform, scanned.image.platform))
        throw platformNotInImage(image.name, platform, scanned.image.platform);
      let report = applyPolicy(scanned, policy.config, policy.pragmas);
      report = { ...report, image: { ...report.image, ref: image.name } };
      if (baseline) report = markBaseline(report, baseline);
      reports.push(report);
      platforms.push(platform);
      sections.push({
        report,
        name: image.name,
        ...(platform ? { platform } : {}),
        ...(dockerfile ? { dockerfileText: dockerfile.text } : {}),
      });
    }
  }
  const cwd = process.cwd();
  const paths = { repositoryRoot: findRepositoryRoot(cwd), cwd };
  let rendered: string;
  if (options.format === 'text') rendered = reports.map(formatText).join('\n');
  else if (options.format === 'json') rendered = formatJsonReports(reports);
  else if (options.format === 'sarif')
    rendered = JSON.stringify(toSarifRuns(reports, platforms, paths), null, 2) + '\n';
  else
    rendered = renderSections(sections, {
      ...paths,
      failOn: options.failOn,
      newOnly: baseline !== null,
      ...(options.commentLevel ? { level: options.commentLevel, hideRules: ['EG501'] } : {}),
    });
  writeOutput(rendered, options, io);
  const findings = reports.flatMap((r) => r.findings);
  return judge(findings, options.failOn, baseline !== null) === 'fail' ? 1 : 0;
}

/**
 * The registry credentials: the config.json given, else Docker's own (`$DOCKER_CONFIG/config.json`,
 * `~/.docker/config.json`) when it exists, as `docker pull` and skopeo find it.
 */
function registryCredentials(path: string | undefined): CredentialSource {
  if (path !== undefined) return { kind: 'docker-config', config: readDockerConfig(path) };
  const dockerConfig = join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  return existsSync(dockerConfig)
    ? { kind: 'docker-config', config: readDockerConfig(dockerConfig) }
    : { kind: 'none' };
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'scan an image (and its Dockerfile) for what makes it die on start',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const options = parseScanArgs(args);
    if (options.images !== undefined) return scanImages(options, io);
    const scanOptions: ScanOptions = {
      source:
        options.remote !== undefined
          ? {
              kind: 'registry',
              ref: options.remote,
              insecure: options.insecureRegistry,
              credentials: registryCredentials(options.registryAuth),
            }
          : options.image !== undefined
            ? {
                kind: 'engine',
                ref: options.image,
                ...(process.env.DOCKER_HOST ? { dockerHost: process.env.DOCKER_HOST } : {}),
              }
            : { kind: 'archive', path: options.archive as string },
      builderImages: engineOfEnvironment(),
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.manifests.length > 0
        ? { manifests: { paths: options.manifests, images: options.manifestImages } }
        : {}),
      ...(options.confirm
        ? {
            confirm: {
              scope: options.confirm,
              ...(process.env.DOCKER_HOST ? { dockerHost: process.env.DOCKER_HOST } : {}),
            },
          }
        : {}),
    };
    if (options.dockerfile !== undefined) {
      scanOptions.dockerfile = {
        path: options.dockerfile,
        text: readDockerfileText(options.dockerfile),
        ...(options.target ? { target: options.target } : {}),
        buildArgs: options.buildArgs,
      };
    }
    // The policy is read first: a bad config fails before the image is read.
    const policy = await loadPolicy({
      config: options.config ?? null,
      dockerfile: scanOptions.dockerfile ?? null,
    });
    const kernelMinimum = options.kernelMinimum ?? policy.config.kernelMinimum;
    const x86Level = options.x86Level ?? policy.config.x86Level;
    if (x86Level !== null) scanOptions.x86Level = x86Level;
    if (kernelMinimum) scanOptions.kernelMinimum = kernelMinimum;
    const baseline = options.baseline
      ? readBaseline(
          readInputText(options.baseline, { what: '--baseline', maxBytes: MAX_CONFIG_BYTES }),
          `--baseline ${options.baseline}`,
        )
      : null;
    const scanned = await scan(scanOptions);
    if (options.platform && !answersPlatform(options.platform, scanned.image.platform))
      throw platformNotInImage(scanned.image.ref, options.platform, scanned.image.platform);
    let report = applyPolicy(scanned, policy.config, policy.pragmas);
    if (baseline) report = markBaseline(report, baseline);
    for (const notice of report.manifests?.notices ?? [])
      io.stderr(`exit139-guard scan: notice: ${notice.path}:${notice.line}: ${notice.message}\n`);
    writeOutput(renderScanReport(report, options, scanOptions.dockerfile?.text), options, io);
    // With a baseline, only what it does not have yet fails (the action's fail-on-new-only).
    return judge(report.findings, options.failOn, baseline !== null) === 'fail' ? 1 : 0;
  },
};
