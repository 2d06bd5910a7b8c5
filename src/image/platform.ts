/**
 * Platforms as OCI image indexes write them (`os`, GOARCH-style `architecture`, `variant`),
 * and the choice of one image from several.
 */
import { InputError, UsageError } from '../errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant: string | null;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === '')) {
    throw new UsageError(
      `--platform '${text}': expected OS/ARCH or OS/ARCH/VARIANT (e.g. linux/arm64)`,
    );
  }
  return { os: parts[0], architecture: parts[1], variant: parts[2] ?? null };
}

/** Node's process.arch names → Go's GOARCH names (what image platforms use). */
const GOARCH_OF_NODE_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/** The platform this process runs on, as an image platform. */
export function runnerPlatform(): Platform {
  const architecture = GOARCH_OF_NODE_ARCH[process.arch] ?? process.arch;
  const armVersion = (process.config.variables as { arm_version?: string }).arm_version;
  return {
    os: process.platform === 'win32' ? 'windows' : process.platform,
    architecture,
    variant: architecture === 'arm' && armVersion ? `v${armVersion}` : null,
  };
}

/** containerd's defaults: arm64 without a variant is v8, arm without one is v7. */
function normalVariant(p: Platform): string | null {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  if (p.architecture === 'arm') return 'v7';
  return null;
}

/** Whether an image for `have` satisfies a request for `want` (no variant asked: any). */
export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  return want.variant === null || normalVariant(want) === normalVariant(have);
}

export interface Candidate<T> {
  platform: Platform;
  /** Names the image in messages (e.g. its reference name), when there are several. */
  name: string | null;
  value: T;
}

/**
 * Whether an image of platform `have` (`os/arch[/variant]`, as a report states it) answers a
 * request for `asked`. The front ends check it after the scan: a single image is returned as it
 * is by {@link choosePlatform} (the admission webhook scans it and reports its architecture), but
 * a user who asked the action or the CLI for another platform gets a clear error, as `docker run
 * --platform` refuses such an image, never a scan of a platform nobody asked for.
 */
export function answersPlatform(asked: string, have: string): boolean {
  const parts = have.split('/');
  if (parts.length < 2 || parts[1] === '') return true;
  return platformMatches(parsePlatform(asked), {
    os: parts[0]!,
    architecture: parts[1]!,
    variant: parts[2] ?? null,
  });
}

/** Asked for instead of a platform: the choice stops and reports the platforms there are. */
export const EVERY_PLATFORM: Platform = { os: '*', architecture: '*', variant: null };

/** Thrown by {@link choosePlatform} when asked for {@link EVERY_PLATFORM}: no image is read. */
export class PlatformList extends Error {
  constructor(readonly platforms: string[]) {
    super(`platforms: ${platforms.join(', ')}`);
  }
}

/**
 * Picks the image to scan. One image is returned as it is (its config states its platform,
 * which the rules compare with what was asked); among several, the asked platform, else this
 * machine's, else an error listing what there is.
 */
export function choosePlatform<T>(
  candidates: Candidate<T>[],
  asked: Platform | null,
  source: string,
): T {
  if (candidates.length === 0) throw new InputError(`${source}: holds no image`);
  if (asked === EVERY_PLATFORM)
    throw new PlatformList([...new Set(candidates.map((c) => formatPlatform(c.platform)))]);
  const available = candidates.map((c) => formatPlatform(c.platform)).join(', ');
  if (candidates.length === 1) return candidates[0].value;
  const want = asked ?? runnerPlatform();
  let matching = candidates.filter((c) => platformMatches(want, c.platform));
  if (matching.length > 1) {
    const exact = matching.filter((c) => normalVariant(c.platform) === normalVariant(want));
    if (exact.length > 0) matching = exact;
  }
  if (matching.length === 0) {
    throw new InputError(
      asked
        ? `${source}: has no image for platform ${formatPlatform(asked)}; it has: ${available}`
        : `${source}: has images for several platforms (${available}) and none for this machine ` +
            `(${formatPlatform(want)}); choose one with --platform`,
    );
  }
  if (matching.length > 1) {
    const names = matching.map((c) => c.name ?? formatPlatform(c.platform)).join(', ');
    throw new InputError(
      `${source}: holds several images for platform ${formatPlatform(want)} (${names}); ` +
        'give an archive with one image',
    );
  }
  return matching[0].value;
}

/** The clear error for a platform a single image does not have (see answersPlatform). */
export function platformNotInImage(source: string, asked: string, have: string): InputError {
  return new InputError(`${source}: has no image for platform ${asked}; it has: ${have}`);
}
