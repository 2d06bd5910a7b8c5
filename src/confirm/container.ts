/**
 * One throwaway container, started the way `docker run` starts it (the engine applies the image's
 * ENTRYPOINT, CMD, USER, WORKDIR and Env unless told otherwise), but boxed in: no network, a
 * read-only root filesystem, every capability dropped, no-new-privileges, a pids and a memory
 * limit, no log driver (output is read only through the attach stream, and only its first bytes),
 * and a time limit. It is removed, with its anonymous volumes, whatever happens; each carries a
 * label with its expiry time so that the next run removes those an interrupted run left behind.
 *
 * The sequence follows the docker CLI's `run`: create, attach, start, wait; a start the runtime
 * refuses rejects with the daemon's message (`failed to create shim task: OCI runtime create
 * failed: ...`), which is what `docker run` prints after `Error response from daemon:`.
 */
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';

/** Label on every container this module creates; its value is the expiry (Unix seconds). */
export const CONFIRM_LABEL = 'exit139-guard.confirm.expires';

/** The limits of one confirmation container. */
export const LIMITS = {
  memoryBytes: 256 * 1024 * 1024,
  pids: 64,
  /** Bytes kept of each of stdout and stderr; the rest is not read. */
  outputBytes: 64 * 1024,
} as const;

export interface ContainerSpec {
  /** Image id (`sha256:...`) or reference in the engine. */
  image: string;
  /** Overrides the image's ENTRYPOINT (and then CMD); absent: the image's own. */
  entrypoint?: string[];
  cmd?: string[];
  /** Added to the image's Env (the engine merges, as `docker run -e` does). */
  env?: string[];
  /** A program still running after this long has started; it is then killed. */
  timeoutMs: number;
  /** Bytes kept of each stream (default `LIMITS.outputBytes`). */
  outputBytes?: number;
}

export interface ContainerRun {
  /** The daemon's error when the runtime refused to start the process, else null. */
  engineError: string | null;
  /** The exit status; null when it was still running at the timeout or never started. */
  exitCode: number | null;
  timedOut: boolean;
  /** The kernel killed it for the memory limit (State.OOMKilled). */
  oomKilled: boolean;
  /** The first `LIMITS.outputBytes` of each stream, as UTF-8 (raw: escape before showing). */
  stdout: string;
  stderr: string;
  /** True when a stream wrote more than was kept. */
  truncated: boolean;
  durationMs: number;
}

/** Collects at most `limit` bytes; past it, the data is dropped and `truncated` is set. */
class Head {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  add(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.subarray(0, room);
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function daemonMessage(error: unknown): string {
  const e = error as { json?: { message?: unknown }; message?: unknown };
  if (e.json && typeof e.json.message === 'string') return e.json.message.trim();
  return String(e.message ?? error)
    .replace(/^\(HTTP code \d+\) [a-z ]+- /, '')
    .trim();
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

async function removeQuietly(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    // Already gone (removed by a cleanup running beside this one) is the wanted end state.
    if (!isNotFound(error)) throw error;
  }
}

/**
 * Removes the confirmation containers whose expiry has passed: those of a run that was killed
 * before its `finally`. Containers of a run still going (another job on the same engine) carry a
 * later expiry and are left alone.
 */
export async function removeLeftovers(docker: Docker, nowMs = Date.now()): Promise<number> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [CONFIRM_LABEL] },
  });
  let removed = 0;
  for (const info of containers) {
    const expires = Number(info.Labels?.[CONFIRM_LABEL]);
    if (Number.isFinite(expires) && expires * 1000 > nowMs) continue;
    await removeQuietly(docker.getContainer(info.Id));
    removed++;
  }
  return removed;
}

function wait<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Runs `spec` once in a boxed container and removes it. Rejects only when the engine itself
 * fails (cannot create, cannot remove); a program that cannot start is a result, not an error.
 */
export async function runContainer(docker: Docker, spec: ContainerSpec): Promise<ContainerRun> {
  const started = Date.now();
  // The expiry leaves room for the create/attach/remove calls of a slow engine.
  const expires = Math.ceil((started + spec.timeoutMs + 120_000) / 1000);
  const container = await docker.createContainer({
    Image: spec.image,
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.env ? { Env: spec.env } : {}),
    Labels: { [CONFIRM_LABEL]: String(expires) },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: LIMITS.pids,
      Memory: LIMITS.memoryBytes,
      MemorySwap: LIMITS.memoryBytes,
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
    },
  });
  const out = new Head(spec.outputBytes ?? LIMITS.outputBytes);
  const err = new Head(spec.outputBytes ?? LIMITS.outputBytes);
  let stream: Readable | null = null;
  try {
    stream = (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as Readable;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (chunk: Buffer) => out.add(chunk));
    stderr.on('data', (chunk: Buffer) => err.add(chunk));
    docker.modem.demuxStream(stream, stdout, stderr);
    const streamEnded = new Promise<void>((resolve) => {
      stream!.on('end', resolve);
      stream!.on('close', resolve);
      stream!.on('error', () => resolve());
    });

    try {
      await container.start();
    } catch (error) {
      return {
        engineError: daemonMessage(error),
        exitCode: null,
        timedOut: false,
        oomKilled: false,
        stdout: '',
        stderr: '',
        truncated: false,
        durationMs: Date.now() - started,
      };
    }
    const waited = await wait(
      container.wait() as Promise<{ StatusCode: number }>,
      Math.max(0, spec.timeoutMs - (Date.now() - started)),
    );
    let exitCode: number | null = null;
    let timedOut = false;
    let oomKilled = false;
    if (waited === 'timeout') {
      timedOut = true;
      await container.kill().catch(() => undefined);
    } else {
      exitCode = waited.StatusCode;
      // The attach stream delivers the last output after the exit; wait for it, briefly.
      await wait(streamEnded, 1000);
      const state = (await container.inspect()).State;
      oomKilled = state.OOMKilled === true;
    }
    return {
      engineError: null,
      exitCode,
      timedOut,
      oomKilled,
      stdout: out.text(),
      stderr: err.text(),
      truncated: out.truncated || err.truncated,
      durationMs: Date.now() - started,
    };
  } finally {
    stream?.destroy();
    await removeQuietly(container);
  }
}
