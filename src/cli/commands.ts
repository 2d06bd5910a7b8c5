import type { Command } from './command.js';
import { inspectCommand } from './inspect.js';
import { stagesCommand } from './stages.js';
import { scanCommand } from './scan.js';
import { webhookCommand } from './webhook.js';

/** The subcommands `--help` lists; each arrives with the engine it runs. */
export const COMMANDS: Command[] = [inspectCommand, stagesCommand, scanCommand, webhookCommand];
