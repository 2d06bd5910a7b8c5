/**
 * The kernel's execve of what the image starts (src/exec/execve.ts), shared by EG108, EG110,
 * EG112, EG301 and EG303: the entrypoint followed through its `#!` interpreters and env, with
 * the image's PATH, working directory and platform.
 */
import type { ExecOptions, ExecResult } from '../../exec/execve.js';
import { simulateExec } from '../../exec/execve.js';
import type { RuleContext } from '../context.js';
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
