/**
 * `exit139-guard scan`: scans an image (from the engine, an archive/folder or a registry) against its
 * Dockerfile and prints the findings. Exit status 0 when nothing is at or above --fail-on,
 * 1 when something is, 2 for bad usage or unreadable input.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from './args.js';
import type { Command, CommandIO } from './command.js';
import { applyPolicy, loadPolicy } from '../config/index.js';
import { InputError, UsageError } from '../errors.js';
import { readDockerConfig, type CredentialSource } from '../image/registry/index.js';
import type { ScanReport } from '../findings.js';
import { formatReport, REPORT_FORMATS } from '../report/formats.js';
import { FAIL_ON_VALUES, judge, type FailOn } from '../report/gate.js';
import { formatJson } from '../report/json.js';
import { formatText } from '../report/text.js';
import { X86_LEVEL_NAMES } from '../exec/cpu-level.js';
import { scan, type ScanOptions } from '../scan.js';

const USAGE = `Usage: exit139-guard scan (--image REF | --archive PATH | --remote REF) [--dockerfile PATH] [--target STAGE]
                         [--build-arg K=V]... [--platform OS/ARCH[/VARIANT]]
                         [--format text|json|sarif|markdown] [--output FILE]
                         [--fail-on error|warning|note|never] [--config FILE]
                         [--x86-64-level x86-64-v1|v2|v3|v4]
                         [--registry-auth CONFIG_JSON] [--insecure-registry]
                         [--manifests PATH]... [--manifest-image NAME[=IMAGE]]...
                         [--confirm | --confirm=all]

Checks every ELF file of the image against the loader, C library and architecture the image
really has, and its entrypoint against the files and USER, before the container dies on start.

Options:
  --image REF         an image in the Docker Engine (DOCKER_HOST)
  --archive PATH      a docker-save tar, OCI archive, OCI layout folder or rootfs folder
  --remote REF        an image in a registry, read over the OCI Distribution API (no engine)
  --registry-auth F   a Docker config.json with the registry's credentials ("auths")
                      (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json if present)
  --insecure-registry plain HTTP to the registry; only for localhost / 127.0.0.1 / [::1]
  --dockerfile PATH   the Dockerfile that built it: findings point at its lines
  --target STAGE      the stage that was built (default: the last one)
  --build-arg K=V     a build argument the image was built with (repeatable)
  --platform P        the platform to scan in a multi-platform image (default: this machine's)
  --format F          text (default), json (the contract in DESIGN.md), sarif or markdown
  --output FILE       write the report to FILE instead of standard output
  --fail-on LEVEL     exit 1 when a finding is at or above LEVEL (default: error)
  --config FILE       rule levels, ignored paths, suppressions (default: .exit139-guard.yml if present)
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
    { names: ['--manifests'], key: 'manifests', kind: 'strings' },
    { names: ['--manifest-image'], key: 'manifestImages', kind: 'strings' },
  ]);
  const sources = [strings.image, strings.archive, strings.remote].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new UsageError('give exactly one of --image REF, --archive PATH or --remote REF');
  }
  if (strings.remote === undefined && (flags.insecureRegistry || strings.registryAuth)) {
    throw new UsageError('--insecure-registry and --registry-auth go with --remote');
  }
  const { format = 'text', failOn = 'error', ...paths } = strings;
  const manifests = lists.manifests ?? [];
  const manifestImages = lists.manifestImages ?? [];
  if (manifestImages.length > 0 && manifests.length === 0)
    throw new UsageError('--manifest-image needs --manifests');
  return {
    ...paths,
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
export function renderScanReport(report: ScanReport, options: ScanCliOptions): string {
  switch (options.format) {
    case 'text':
      return formatText(report);
    case 'json':
      return formatJson(report);
    default:
      return formatReport(report, options.format, {
        failOn: options.failOn,
        ...(options.platform ? { platform: options.platform } : {}),
      });
  }
}

function readDockerfileText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `cannot read the Dockerfile ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
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
    const x86Level = options.x86Level ?? policy.config.x86Level;
    if (x86Level !== null) scanOptions.x86Level = x86Level;
    const report = applyPolicy(await scan(scanOptions), policy.config, policy.pragmas);
    for (const notice of report.manifests?.notices ?? [])
      io.stderr(`exit139-guard scan: notice: ${notice.path}:${notice.line}: ${notice.message}\n`);
    const rendered = renderScanReport(report, options);
    if (options.output !== undefined) {
      try {
        writeFileSync(options.output, rendered);
      } catch (error) {
        throw new InputError(`cannot write ${options.output}: ${(error as Error).message}`);
      }
    } else {
      io.stdout(rendered);
    }
    return judge(report.findings, options.failOn) === 'fail' ? 1 : 0;
  },
};
