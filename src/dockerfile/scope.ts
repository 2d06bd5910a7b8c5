/**
 * ARG and ENV (BuildKit's dispatchArg/dispatchEnv): the global ARG scope before the first FROM,
 * stage ARGs that take the --build-arg, the global value or their default, ENV that wins over
 * ARG, and the lookups FROM lines and stage bodies expand with.
 * Section names refer to shared/notes/buildkit-dockerfile-reference.md.
 */
import { InputError } from '../errors.js';
import { splitRawWords, type Lookup } from './expand.js';
import { AUTOMATIC, expand, where, type ReadContext, type StageState, type Var } from './state.js';
import type { Instruction } from './syntax.js';

export function declareGlobalArgs(ctx: ReadContext, instruction: Instruction): void {
  const line = instruction.range.startLine;
  const lookup: Lookup = (name) => ctx.globals.get(name)?.value;
  for (const word of splitRawWords(instruction.args, ctx.escape)) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    ctx.globalDeclared.add(name);
    if (name in ctx.buildArgs) {
      ctx.globals.set(name, { value: ctx.buildArgs[name]!, origin: `--build-arg ${name}` });
    } else if (eq >= 0) {
      ctx.globals.set(name, {
        value: expand(ctx, word.slice(eq + 1), lookup, instruction),
        origin: `ARG line ${line}`,
      });
    } else if (!AUTOMATIC.includes(name)) {
      ctx.globals.delete(name);
    }
  }
}

/** FROM lines see the automatic ARGs and the declared global ARGs only. */
export function fromLookup(ctx: ReadContext): Lookup {
  return (name) => {
    if (!AUTOMATIC.includes(name) && !ctx.globalDeclared.has(name)) return undefined;
    return ctx.globals.get(name)?.value;
  };
}

/** ENV wins over ARG ("Environment replacement", ARG section "Using ARG variables"). */
export function lookupIn(state: StageState): Lookup {
  return (name) => state.env.get(name)?.value ?? state.args.get(name)?.value;
}

/** ENV section: one instruction uses the values from before it ("Environment replacement"). */
export function dispatchEnv(ctx: ReadContext, state: StageState, instruction: Instruction): void {
  const lookup = lookupIn(state);
  const line = instruction.range.startLine;
  const words = splitRawWords(instruction.args, ctx.escape);
  const assignments: [string, string][] = [];
  if (words.length > 0 && !words[0]!.includes('=')) {
    const name = words[0]!;
    assignments.push([
      name,
      expand(ctx, instruction.args.slice(name.length).trim(), lookup, instruction),
    ]);
  } else {
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq <= 0)
        throw new InputError(`${where(ctx, instruction)}: ENV '${word}' is not NAME=value`);
      assignments.push([word.slice(0, eq), expand(ctx, word.slice(eq + 1), lookup, instruction)]);
    }
  }
  for (const [name, value] of assignments)
    state.env.set(name, { value, origin: `ENV line ${line}` });
}

/**
 * ARG section: a bare `ARG NAME` takes the --build-arg or the global value (automatic
 * platform ARGs included); `ARG NAME=default` its own default unless a --build-arg is given,
 * also for automatic ARGs ("Automatic platform ARGs in the global scope").
 */
export function dispatchArg(ctx: ReadContext, state: StageState, instruction: Instruction): void {
  const lookup = lookupIn(state);
  const line = instruction.range.startLine;
  const updates: [string, Var | null][] = [];
  for (const word of splitRawWords(instruction.args, ctx.escape)) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    // BuildKit does not reject odd words (`ARG X=0 # comment`); they set nothing we read.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    if (name in ctx.buildArgs)
      updates.push([
        name,
        { value: ctx.buildArgs[name]!, origin: `--build-arg ${name} (ARG line ${line})` },
      ]);
    else if (eq >= 0)
      updates.push([
        name,
        {
          value: expand(ctx, word.slice(eq + 1), lookup, instruction),
          origin: `ARG line ${line}`,
        },
      ]);
    else if ((ctx.globalDeclared.has(name) || AUTOMATIC.includes(name)) && ctx.globals.has(name)) {
      const global = ctx.globals.get(name)!;
      updates.push([
        name,
        {
          value: global.value,
          origin: `ARG line ${line} (${AUTOMATIC.includes(name) && !ctx.globalDeclared.has(name) ? 'automatic platform ARG' : global.origin})`,
        },
      ]);
    } else updates.push([name, null]);
  }
  for (const [name, value] of updates) state.args.set(name, value);
}
