/**
 * `scan --confirm`: proof by running. The image (already in the engine the scan reads, found by
 * its id) is started once as the engine would start it, in a boxed throwaway container
 * (container.ts), and its own loader is asked about the dynamic ELF files the findings name (or,
 * with `--confirm=all`, every one; loader.ts). judge.ts compares what happened with the
 * predictions; the EG7xx rules report what the prediction missed or got wrong. Nothing is pulled
 * and nothing needs more than the Docker socket.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { InputError } from '../errors.js';
import type { Finding, ReportConfirmation } from '../findings.js';
import { dockerClient } from '../image/open.js';
import type { ImageView } from '../image/types.js';
import type { ImageLoadReport } from '../loader/index.js';
import { lookPath, resolveEntrypoint } from '../rules/support/entrypoint.js';
import { removeLeftovers, runContainer } from './container.js';
import {
  CONFIRMABLE_RULES,
  judgeEntrypoint,
  judgeFinding,
  startPaths,
  type ConfirmationFacts,
} from './judge.js';
import { askLoader, type LoaderQuestion } from './loader.js';
import { observe } from './observe.js';

export interface ConfirmOptions {
  /** `findings`: the files findings name; `all`: every dynamic ELF of the image. */
  scope: 'findings' | 'all';
  dockerHost?: string;
  /** How long the entrypoint may run before it counts as started (default 5000 ms). */
  timeoutMs?: number;
  /** Where qemu binfmt handlers are registered (default /proc/sys/fs/binfmt_misc). */
  binfmtDir?: string;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** qemu's name for each Go GOARCH (qemu-user binaries and their binfmt entries). */
const QEMU_NAME: Record<string, string> = {
  amd64: 'x86_64',
  '386': 'i386',
  arm64: 'aarch64',
  arm: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64el',
};

/**
 * The enabled qemu binfmt_misc handler for `goarch` on this machine, or null. The kernel hands
 * such a file to the handler instead of refusing it with ENOEXEC, so it runs here, emulated,
 * where a node without qemu says `exec format error`.
 */
export function binfmtHandler(goarch: string, dir = '/proc/sys/fs/binfmt_misc'): string | null {
  const qemu = QEMU_NAME[goarch];
  if (qemu === undefined) return null;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  for (const name of names) {
    if (name === 'register' || name === 'status') continue;
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    if (!text.startsWith('enabled')) continue;
    const interpreter = /^interpreter (.+)$/m.exec(text)?.[1] ?? '';
    if (
      name === `qemu-${qemu}` ||
      interpreter.endsWith(`/qemu-${qemu}`) ||
      interpreter.endsWith(`/qemu-${qemu}-static`)
    ) {
      return `${join(dir, name)} (${interpreter})`;
    }
  }
  return null;
}

async function imageInEngine(docker: Docker, view: ImageView, where: string): Promise<string> {
  const id = view.config.id;
  if (id === null) {
    throw new InputError(
      `--confirm runs the image in the Docker Engine, but ${view.source} has no image id (a rootfs folder cannot be run)`,
    );
  }
  try {
    await docker.getImage(id).inspect();
  } catch (error) {
    const e = error as { statusCode?: number; message: string };
    if (e.statusCode === 404) {
      throw new InputError(
        `--confirm runs the image in the Docker Engine, but image ${id} (from ${view.source}) is not in the engine at ${where}; load it first (docker load -i ...)`,
      );
    }
    throw new InputError(
      `--confirm: cannot ask the Docker Engine at ${where} about image ${id}: ${e.message}`,
    );
  }
  return id;
}

function foreignHandler(
  goarch: string | null | undefined,
  engineArch: string,
  binfmtDir: string | undefined,
): string | null {
  if (!goarch || goarch === engineArch) return null;
  return binfmtHandler(goarch, binfmtDir);
}

/**
 * Runs the image and asks its loader; `predictions` are the static findings. Throws InputError
 * when the engine cannot be reached or does not hold the image.
 */
export async function confirmImage(
  view: ImageView,
  loads: ImageLoadReport,
  predictions: readonly Finding[],
  options: ConfirmOptions,
): Promise<ConfirmationFacts> {
  const started = Date.now();
  const where = options.dockerHost ?? process.env.DOCKER_HOST ?? 'the default Docker socket';
  const docker = await dockerClient(options.dockerHost);
  let engineArch: string;
  try {
    engineArch = (await docker.version()).Arch;
    await removeLeftovers(docker);
  } catch (error) {
    throw new InputError(
      `--confirm needs the Docker Engine at ${where}: ${(error as Error).message}`,
    );
  }
  const image = await imageInEngine(docker, view, where);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const entry = resolveEntrypoint(view);
  const shebang = entry?.file?.shebang?.trim().split(/\s+/)[0] ?? null;
  const scriptInterpreter = shebang
    ? shebang.includes('/')
      ? shebang
      : lookPath(view, shebang).path
    : null;
  const entrypointPaths = startPaths(view, loads, entry?.path ?? null, scriptInterpreter);
  let emulated: string | null = null;
  for (const p of [entry?.path ?? null, scriptInterpreter]) {
    if (p === null) continue;
    const resolved = view.resolve(p);
    const elf = resolved.found ? resolved.file.elf : null;
    emulated ??= foreignHandler(elf?.goarch, engineArch, options.binfmtDir);
  }
  const entrypoint =
    entry === null || emulated !== null
      ? null
      : observe(await runContainer(docker, { image, timeoutMs }));

  const emulatedFiles = new Map<string, string>();
  const questions: LoaderQuestion[] = [];
  const wanted =
    options.scope === 'all'
      ? [...loads.simulations.keys()]
      : predictions
          .filter(
            (f) =>
              CONFIRMABLE_RULES.has(f.ruleId) &&
              f.manifest === undefined &&
              f.path !== null &&
              !entrypointPaths.has(f.path),
          )
          .map((f) => f.path as string);
  for (const path of new Set(wanted)) {
    const sim = loads.simulations.get(path);
    if (!sim) continue;
    const handler = foreignHandler(sim.objects[0]?.elf.goarch, engineArch, options.binfmtDir);
    if (handler !== null) emulatedFiles.set(path, handler);
    else questions.push({ path, sim });
  }
  const loader = await askLoader(docker, image, view, questions, timeoutMs);
  return {
    scope: options.scope,
    entrypoint,
    emulated,
    entrypointPaths,
    entrypointPath: entry?.path ?? null,
    loader,
    emulatedFiles,
    predictions,
    durationMs: Date.now() - started,
  };
}

/** The findings with their confirmation attached (the static ones), and the report's part. */
export function applyConfirmation(
  findings: Finding[],
  facts: ConfirmationFacts,
  loads: ImageLoadReport,
): { findings: Finding[]; report: ReportConfirmation } {
  const judged = findings.map((f) => {
    if (f.confirmation !== undefined) return f;
    const c = judgeFinding(f, facts, loads);
    return c === null ? f : { ...f, confirmation: c };
  });
  const entrypoint = judgeEntrypoint(facts);
  return {
    findings: judged,
    report: {
      entrypoint: {
        ...entrypoint,
        stderr: facts.entrypoint?.stderr ?? [],
        durationMs: facts.entrypoint?.durationMs ?? 0,
      },
      scope: facts.scope,
      loaderChecked: facts.loader.size,
      durationMs: facts.durationMs,
    },
  };
}
