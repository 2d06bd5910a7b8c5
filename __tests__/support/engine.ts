// The real Docker Engine for tests: a dockerode client, the factory's base images, and thin
// wrappers over the docker CLI for building, running, saving and exporting images. Tests learn
// what really happens (what the engine prints when an image cannot start) from these, never
// from our own code.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { reportSkip } from './skip.js';

export const DOCKER_HOST_DEFAULT = 'unix:///run/exit139-guard-docker/docker.sock';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FACTORY = path.join(REPO_ROOT, 'scripts', 'factory.sh');

/**
 * The factory's base images. Tags are fixed so Dockerfiles can name them in FROM; the factory
 * labels each image with `exit139-guard.recipe-hash` and rebuilds it when its recipe changes.
 */
export const BASE = {
  scratch: 'scratch',
  distrolessStatic: 'exit139-guard-test/distroless-static-like:local',
  alpineLike: 'exit139-guard-test/alpine-like:local',
  alpineCompat: 'exit139-guard-test/alpine-compat:local',
  bookworm: 'exit139-guard-test/bookworm:local',
  bullseye: 'exit139-guard-test/bullseye:local',
  goBuilder: 'exit139-guard-test/go-builder:local',
  distrolessBase: 'exit139-guard-test/distroless-base-like:local',
} as const;

export type BaseName = keyof typeof BASE;

/** Every base the factory builds (scratch needs no build). */
export const FACTORY_BASES: BaseName[] = [
  'distrolessStatic',
  'alpineLike',
  'alpineCompat',
  'bookworm',
  'bullseye',
  'goBuilder',
  'distrolessBase',
];

/** The factory's own name for each base (its recipe folder under test-images/). */
const FACTORY_NAME: Record<BaseName, string | null> = {
  scratch: null,
  distrolessStatic: 'distroless-static-like',
  alpineLike: 'alpine-like',
  alpineCompat: 'alpine-compat',
  bookworm: 'bookworm',
  bullseye: 'bullseye',
  goBuilder: 'go-builder',
  distrolessBase: 'distroless-base-like',
};

export function dockerHost(): string {
  return process.env.DOCKER_HOST || DOCKER_HOST_DEFAULT;
}

function clientFor(host: string): Docker {
  const url = new URL(host);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  if (url.protocol === 'tcp:' || url.protocol === 'http:') {
    return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
  }
  throw new Error(`DOCKER_HOST ${host}: only unix:// and tcp:// are supported by the tests`);
}

/**
 * A client for the engine at DOCKER_HOST (default: the project's own engine), or null after
 * reporting that `suite` is skipped (in CI that report throws: CI must skip nothing).
 */
export async function engine(suite: string): Promise<Docker | null> {
  const host = dockerHost();
  let docker: Docker;
  try {
    docker = clientFor(host);
    await withTimeout(docker.ping(), 10_000, `ping ${host}`);
  } catch (error) {
    reportSkip(suite, `no Docker Engine at ${host} (${(error as Error).message})`);
    return null;
  }
  return docker;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function cliEnv(): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: dockerHost(), DOCKER_BUILDKIT: '0' };
}

/** Runs a command to its end; never rejects on a non-zero exit (callers decide). */
function run(file: string, args: string[], timeoutMs = 30 * 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: cliEnv(), maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ exitCode: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

async function docker(args: string[], timeoutMs?: number): Promise<CliResult> {
  const result = await run('docker', args, timeoutMs);
  if (result.exitCode !== 0) {
    throw new Error(
      `docker ${args.join(' ')} exited ${result.exitCode}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result;
}

/**
 * Builds the named bases with the committed factory script (scripts/factory.sh), which does
 * nothing for a base whose image already carries the hash of its current recipe. A cold build
 * of the Debian bases takes minutes: CI builds them all in .ci/run before the tests start.
 */
export async function ensureBaseImages(names: BaseName[]): Promise<void> {
  const factoryNames = names.map((name) => FACTORY_NAME[name]).filter((n) => n !== null);
  if (factoryNames.length === 0) return;
  const result = await run('bash', [FACTORY, ...factoryNames]);
  if (result.exitCode !== 0) {
    throw new Error(
      `scripts/factory.sh ${factoryNames.join(' ')} exited ${result.exitCode}:\n` +
        result.stdout +
        result.stderr,
    );
  }
}

export interface BuildOptions {
  tag: string;
  /** Path of the Dockerfile, relative to contextDir or absolute (default: contextDir/Dockerfile). */
  dockerfile?: string;
  target?: string;
  buildArgs?: Record<string, string>;
  platform?: string;
}

/**
 * `docker build` with the legacy builder (Debian's docker.io has no BuildKit), with no network
 * during RUN steps and no pulls: every FROM must name a local image. Returns the image id.
 */
export async function dockerBuild(contextDir: string, opts: BuildOptions): Promise<string> {
  const scratchDir = mkdtempSync(path.join(tmpdir(), 'exit139-guard-build-'));
  const iidFile = path.join(scratchDir, 'iid');
  try {
    const args = ['build', '--network', 'none', '--iidfile', iidFile, '-t', opts.tag];
    if (opts.dockerfile) args.push('-f', path.resolve(contextDir, opts.dockerfile));
    if (opts.target) args.push('--target', opts.target);
    if (opts.platform) args.push('--platform', opts.platform);
    for (const [key, value] of Object.entries(opts.buildArgs ?? {})) {
      args.push('--build-arg', `${key}=${value}`);
    }
    args.push(contextDir);
    await docker(args);
    return readFileSync(iidFile, 'utf8').trim();
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

export interface RunOptions {
  cmd?: string[];
  entrypoint?: string[];
  user?: string;
  /** Bind mounts, as `docker run -v` takes them (`/host/dir:/in/container:ro`). */
  mounts?: string[];
  /** `--workdir` (the engine creates a missing one, as the CRI runtimes do). */
  workdir?: string;
  /** `--env NAME=value`, in order. */
  env?: string[];
  /** `--group-add`: supplementary groups (a pod's supplementalGroups and fsGroup). */
  groupAdd?: number[];
  /** The container is killed after this long (default 60 s); `timedOut` then says so. */
  timeoutMs?: number;
}

export interface RunResult {
  /** The container's exit code; for an engine start error, the docker CLI's (125, 126, 127). */
  exitCode: number;
  stdout: string;
  stderr: string;
  /**
   * What the engine said when the process could not be started, or null when it started. Either
   * the daemon's error (`... exec: "/app": stat /app: no such file or directory: unknown`,
   * `... executable file not found in $PATH ...`) or runc's line from inside the container when
   * the kernel refused the exec (`exec /app: no such file or directory` for a missing ELF
   * interpreter, `exec /app: exec format error` for a foreign architecture).
   */
  engineError: string | null;
  timedOut: boolean;
}

const DAEMON_ERROR = /(?:^|\n)docker: Error response from daemon: (.+)/;
// runc's own report of a failed execve: it is then the container's only output, with exit 1.
const RUNC_EXEC_ERROR = /^exec .+: [a-z][a-z ]+$/;

/** Runs the image once with no network, removes the container, and tells how it ended. */
export async function runContainer(image: string, opts: RunOptions = {}): Promise<RunResult> {
  const name = `exit139-guard-test-${randomBytes(6).toString('hex')}`;
  const args = ['run', '--rm', '--network', 'none', '--name', name];
  if (opts.user !== undefined) args.push('--user', opts.user);
  for (const mount of opts.mounts ?? []) args.push('-v', mount);
  if (opts.workdir !== undefined) args.push('--workdir', opts.workdir);
  for (const entry of opts.env ?? []) args.push('--env', entry);
  for (const group of opts.groupAdd ?? []) args.push('--group-add', String(group));
  if (opts.entrypoint !== undefined) {
    // `docker run --entrypoint` takes one word; further words go before the command.
    args.push('--entrypoint', opts.entrypoint[0] ?? '');
  }
  args.push(image, ...(opts.entrypoint?.slice(1) ?? []), ...(opts.cmd ?? []));

  const child = spawn('docker', args, { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void run('docker', ['kill', name]);
  }, opts.timeoutMs ?? 60_000);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  }).finally(() => clearTimeout(timer));

  let engineError: string | null = null;
  const daemon = DAEMON_ERROR.exec(stderr);
  if (daemon && exitCode >= 125) {
    engineError = daemon[1].trim();
  } else if (exitCode === 1 && stdout === '' && RUNC_EXEC_ERROR.test(stderr.trim())) {
    engineError = stderr.trim();
  }
  return { exitCode, stdout, stderr, engineError, timedOut };
}

/** `docker save` of one reference into a tar file (the Docker <= 24 layout on this engine). */
export async function saveImage(ref: string, file: string): Promise<void> {
  await docker(['save', '-o', file, ref]);
}

/** The merged filesystem of the image as a tar (`docker create` + `docker export`). */
export async function exportContainerFs(ref: string, file: string): Promise<void> {
  // The command is never run; it only lets images without Cmd or Entrypoint be created.
  const created = await docker(['create', '--network', 'none', ref, '/exit139-guard-export']);
  const id = created.stdout.trim();
  try {
    await docker(['export', '-o', file, id]);
  } finally {
    await run('docker', ['rm', '-f', id]);
  }
}
