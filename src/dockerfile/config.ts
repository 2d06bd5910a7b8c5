/**
 * WORKDIR, USER, SHELL, ENTRYPOINT and CMD: the stage's configuration that later instructions
 * and the final image read (BuildKit's dispatchWorkdir/dispatchUser/dispatchShell/dispatchCmd/
 * dispatchEntrypoint).
 */
import { posix } from 'node:path';
import { lookupIn } from './scope.js';
import { expand, type ReadContext, type StageState } from './state.js';
import type { Instruction } from './syntax.js';
import type { ConfigInstruction } from './types.js';

/**
 * WORKDIR: relative paths resolve against the previous working directory. A variable the
 * stage does not set (`WORKDIR $GOPATH/src` on a base image the model does not know) makes
 * the directory unsure: builds there may write elsewhere than the model would say.
 */
export function dispatchWorkdir(
  ctx: ReadContext,
  state: StageState,
  instruction: Instruction,
): void {
  const stage = lookupIn(state);
  let unset = false;
  const dir = expand(
    ctx,
    instruction.args,
    (name) => {
      const value = stage(name);
      if (value === undefined) unset = true;
      return value;
    },
    instruction,
  );
  state.workdir = posix.resolve(state.workdir, dir);
  state.workdirSure = posix.isAbsolute(dir) ? !unset : state.workdirSure && !unset;
}

/** USER: the expanded user spec. */
export function dispatchUser(ctx: ReadContext, state: StageState, instruction: Instruction): void {
  const value = expand(ctx, instruction.args, lookupIn(state), instruction);
  state.user = { value: [value], raw: value, form: 'exec', range: instruction.range };
}

/** SHELL: the JSON form replaces the shell that shell-form RUN/CMD/ENTRYPOINT use. */
export function dispatchShell(state: StageState, instruction: Instruction): void {
  if (instruction.json) state.shell = instruction.json;
}

/** ENTRYPOINT and CMD, in exec form or wrapped in the stage's shell as Docker stores them. */
export function dispatchCommand(state: StageState, instruction: Instruction): void {
  const config: ConfigInstruction = instruction.json
    ? {
        value: instruction.json,
        raw: instruction.args,
        form: 'exec',
        range: instruction.range,
      }
    : {
        value: [...state.shell, instruction.args],
        raw: instruction.args,
        form: 'shell',
        range: instruction.range,
      };
  if (instruction.keyword === 'CMD') {
    state.cmd = config;
    state.cmdSetHere = true;
  } else {
    state.entrypoint = config;
    // ENTRYPOINT section: an ENTRYPOINT resets a CMD inherited from the base.
    if (!state.cmdSetHere) state.cmd = null;
  }
}
