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
import { imageEnv } from '../facts.js';
import { DOCKER_DEFAULT_PATH, resolveEntrypoint } from './entrypoint.js';

const cache = new WeakMap<RuleContext, ExecResult | null>();

export function execOptions(ctx: RuleContext): ExecOptions {
  return {
    searchPath: imageEnv(ctx.image, 'PATH') ?? DOCKER_DEFAULT_PATH,
    workingDir: ctx.image.config.workingDir || '/',
    nodeGoarch: ctx.image.config.architecture,
  };
}

/**
 * execve of the entrypoint as runc starts it (after its PATH lookup), or null when the image has
 * no entrypoint or runc does not find it (EG301's case). Computed once per scan.
 */
export function entrypointExec(ctx: RuleContext): ExecResult | null {
  if (!cache.has(ctx)) {
    const entry = resolveEntrypoint(ctx.image);
    cache.set(ctx, entry?.path ? simulateExec(ctx.image, entry.path, execOptions(ctx)) : null);
  }
  return cache.get(ctx) ?? null;
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
