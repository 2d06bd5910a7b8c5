/**
 * The kernel's execve of what the image starts (src/exec/execve.ts), shared by EG108, EG110,
 * EG112, EG301 and EG303: the entrypoint followed through its `#!` interpreters and env, with
 * the image's PATH, working directory and platform.
 */
import path from 'node:path/posix';
import type { ExecFailure, ExecOptions, ExecResult } from '../../exec/execve.js';
import { simulateExec } from '../../exec/execve.js';
import type { ImageFile } from '../../image/types.js';
import { artifactFor, isExecutableFile, type RuleContext } from '../context.js';
import { DOCKER_DEFAULT_PATH, resolveEntrypoint } from './entrypoint.js';
import { envValue, imageExecution, type ExecutionSpec } from './execution.js';

const cache = new WeakMap<RuleContext, Map<string, ExecResult | null>>();

/** The PATH, working directory and platform of a process started as `spec` says. */
export function execOptions(
  ctx: RuleContext,
  spec: ExecutionSpec = imageExecution(ctx.image.config),
): ExecOptions {
  return {
    searchPath: envValue(spec.env, 'PATH') ?? DOCKER_DEFAULT_PATH,
    workingDir: spec.workingDir || '/',
    nodeGoarch: ctx.image.config.architecture,
  };
}

/**
 * execve of what `spec` (the image's own start by default) runs, as runc starts it after its
 * PATH lookup, or null when there is no command or runc does not find it (EG301's case).
 * Computed once per scan and start.
 */
export function entrypointExec(
  ctx: RuleContext,
  spec: ExecutionSpec = imageExecution(ctx.image.config),
): ExecResult | null {
  let perScan = cache.get(ctx);
  if (!perScan) cache.set(ctx, (perScan = new Map()));
  const options = execOptions(ctx, spec);
  const key = JSON.stringify([spec.argv[0] ?? null, options.searchPath, options.workingDir]);
  if (!perScan.has(key)) {
    const entry = resolveEntrypoint(ctx.image, spec);
    // runc execs what exec.LookPath returned: a name with a slash as written.
    const execName =
      entry?.path && entry.argv[0]?.includes('/') ? (entry.argv[0] as string) : entry?.path;
    perScan.set(key, execName ? simulateExec(ctx.image, execName, options) : null);
  }
  return perScan.get(key) ?? null;
}

const placedCache = new WeakMap<RuleContext, { file: ImageFile; failure: ExecFailure }[]>();

/**
 * The executable non-ELF files the Dockerfile puts in a PATH directory (what a user or a script
 * runs by name later) whose execve fails, with the failure; the entrypoint's own chain excluded.
 * Computed once per scan.
 */
export function placedInPathFailures(
  ctx: RuleContext,
): { file: ImageFile; failure: ExecFailure }[] {
  const cached = placedCache.get(ctx);
  if (cached) return cached;
  const out: { file: ImageFile; failure: ExecFailure }[] = [];
  placedCache.set(ctx, out);
  if (!ctx.dockerfile) return out;
  const options = execOptions(ctx);
  const pathDirs = new Set(
    options.searchPath.split(':').map((d) => {
      const r = ctx.image.resolve(path.resolve('/', options.workingDir, d || '.'));
      return r.found ? r.path : d;
    }),
  );
  const chain = new Set(entrypointExec(ctx)?.steps.map((s) => s.resolved) ?? []);
  for (const file of ctx.image.files.values()) {
    if (file.type !== 'file' || file.linkTarget !== null || !isExecutableFile(file.mode)) continue;
    if (file.elf !== null || file.elfError !== null || file.kernelExec !== null) continue;
    if (chain.has(file.path) || !pathDirs.has(path.dirname(file.path))) continue;
    if (!artifactFor(ctx.dockerfile.model, file.path)) continue;
    const failure = simulateExec(ctx.image, file.path, options).failure;
    if (failure) out.push({ file, failure });
  }
  return out;
}
