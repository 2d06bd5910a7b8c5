#!/usr/bin/env node
import { createRequire as __e139CreateRequire } from 'node:module';
const require = __e139CreateRequire(import.meta.url);

// src/cli/commands.ts
var COMMANDS = [];

// src/errors.ts
var InputError = class extends Error {
  name = "InputError";
};
var UsageError = class extends InputError {
  name = "UsageError";
};

// src/version.ts
var VERSION = "0.1.0";

// src/cli/main.ts
function topUsage() {
  const width = Math.max(0, ...COMMANDS.map((c) => c.name.length));
  const lines = [
    "Usage: exit139-guard <command> [options]",
    "",
    'Finds what makes a container die on start (exit 139, "no such file or directory",',
    '"exec format error", missing GLIBC versions) before it is merged.',
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  -h, --help     show this help (or `exit139-guard <command> --help`)",
    "  -V, --version  print the version"
  ];
  return lines.join("\n") + "\n";
}
async function runCli(argv, io2) {
  const [first, ...rest] = argv;
  if (first === void 0 || first === "-h" || first === "--help" || first === "help") {
    io2.stdout(topUsage());
    return first === void 0 ? 2 : 0;
  }
  if (first === "-V" || first === "--version") {
    io2.stdout(`${VERSION}
`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io2.stderr(`exit139-guard: unknown command '${first}'

${topUsage()}`);
    return 2;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    io2.stdout(command.usage.endsWith("\n") ? command.usage : command.usage + "\n");
    return 0;
  }
  try {
    return await command.run(rest, io2);
  } catch (error) {
    if (error instanceof UsageError) {
      io2.stderr(`exit139-guard ${command.name}: ${error.message}

${command.usage}
`);
      return 2;
    }
    if (error instanceof InputError) {
      io2.stderr(`exit139-guard ${command.name}: ${error.message}
`);
      return 2;
    }
    throw error;
  }
}

// src/cli.ts
var io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text)
};
runCli(process.argv.slice(2), io).then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    process.stderr.write(
      `exit139-guard: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}
`
    );
    process.exitCode = 2;
  }
);
