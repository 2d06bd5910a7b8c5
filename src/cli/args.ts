/**
 * The option parser shared by the subcommands: `--name value`, `--name=value`, short aliases,
 * flags, repeatable `--build-arg K=V` and other repeatable options (`--manifests PATH`). Errors are UsageErrors naming the option, so every
 * command reports bad usage the same way (and exits 2).
 */
import { UsageError } from '../errors.js';

export type OptionKind = 'string' | 'strings' | 'flag' | 'build-args';

export interface OptionSpec<K extends string> {
  /** The option's names, e.g. `['--dockerfile', '-f']`. */
  names: string[];
  key: K;
  kind: OptionKind;
  /** For strings: the allowed values, checked here so the message names the option. */
  choices?: readonly string[];
}

export interface ParsedArgs<K extends string> {
  strings: Partial<Record<K, string>>;
  /** Repeatable options (`kind: 'strings'`), in the order given. */
  lists: Partial<Record<K, string[]>>;
  flags: Partial<Record<K, boolean>>;
  buildArgs: Record<string, string>;
  positionals: string[];
}

export function parseArgs<K extends string>(
  args: string[],
  specs: OptionSpec<K>[],
  { positionals: allowPositionals = false }: { positionals?: boolean } = {},
): ParsedArgs<K> {
  const parsed: ParsedArgs<K> = {
    strings: {},
    lists: {},
    flags: {},
    buildArgs: {},
    positionals: [],
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      if (!allowPositionals) throw new UsageError(`unexpected argument '${arg}'`);
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const spec = specs.find((s) => s.names.includes(name));
    if (!spec) throw new UsageError(`unknown option '${arg}'`);
    if (spec.kind === 'flag') {
      if (name !== arg) throw new UsageError(`${name} takes no value`);
      parsed.flags[spec.key] = true;
      continue;
    }
    let value: string;
    if (name !== arg) value = arg.slice(eq + 1);
    else {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      value = next;
    }
    if (spec.kind === 'build-args') {
      const at = value.indexOf('=');
      if (at <= 0) throw new UsageError(`${name} '${value}' is not KEY=VALUE`);
      parsed.buildArgs[value.slice(0, at)] = value.slice(at + 1);
    } else if (spec.kind === 'strings') {
      if (value === '') throw new UsageError(`${name} needs a value`);
      (parsed.lists[spec.key] ??= []).push(value);
    } else {
      if (spec.choices && !spec.choices.includes(value)) {
        throw new UsageError(`${name} must be one of ${spec.choices.join(', ')}, not '${value}'`);
      }
      parsed.strings[spec.key] = value;
    }
  }
  return parsed;
}
