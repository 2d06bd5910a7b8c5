/** One subcommand of the CLI: its name, one line for `--help`, its usage text, and its body. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit status. Writes through `io`, so tests can run commands in-process. */
  run(args: string[], io: CommandIO): Promise<number>;
}

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
