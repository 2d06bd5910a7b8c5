import type { Command } from './command.js';

/** The subcommands `--help` lists; each arrives with the engine it runs. */
export const COMMANDS: Command[] = [];
