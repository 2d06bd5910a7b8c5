/**
 * Reads the argv of `go build` / `go install` (and `xx-go build`): output, packages and the
 * flags that matter for the final binary. Flag grammar from `go help build`; -ldflags' inner
 * flags (-linkmode, -extldflags, -X, -s, -w) from `go tool link -help`. Hand-written: no npm
 * package parses the go command's flags, and the words arrive already split by shell.ts.
 */
import { posix } from 'node:path';
import { UNKNOWN_MARK, expandWords } from './expand.js';
import type { GoBuildFlags } from './types.js';

export interface GoCommand {
  /** `test` only with -c (`go help testflag`: compile the test binary, do not run it). */
  subcommand: 'build' | 'install' | 'test';
  /** True for xx-go (GOOS/GOARCH from the target platform). */
  xx: boolean;
  output: string | null;
  packages: string[];
  flags: GoBuildFlags;
}

/** Flags of `go build` that take a value (the rest are booleans). */
const VALUE_FLAGS = new Set([
  'o',
  'ldflags',
  'gcflags',
  'asmflags',
  'tags',
  'buildmode',
  'mod',
  'modfile',
  'pkgdir',
  'p',
  'installsuffix',
  'compiler',
  'gccgoflags',
  'toolexec',
  'overlay',
  'pgo',
  'coverpkg',
  'covermode',
  'C',
  'exec',
  // go test's own flags that take a value (`go help testflag`).
  'run',
  'skip',
  'count',
  'timeout',
  'bench',
  'benchtime',
  'cpu',
  'parallel',
  'coverprofile',
  'cpuprofile',
  'memprofile',
  'blockprofile',
  'mutexprofile',
  'outputdir',
  'list',
  'shuffle',
  'fuzz',
  'fuzztime',
  'trace',
  'vet',
]);

export function emptyFlags(): GoBuildFlags {
  return {
    ldflags: null,
    tags: [],
    trimpath: false,
    buildmode: null,
    linkmode: null,
    extldflags: null,
  };
}

/** Is argv a go build/install? argv is already expanded (words without quotes). */
export function parseGoCommand(argv: string[]): GoCommand | null {
  const program = argv[0]?.split('/').pop();
  if (program !== 'go' && program !== 'xx-go') return null;
  let index = 1;
  // `go -C dir build` is not common; accept flags before the subcommand anyway.
  while (argv[index]?.startsWith('-')) index += argv[index] === '-C' ? 2 : 1;
  const subcommand = argv[index];
  if (subcommand !== 'build' && subcommand !== 'install' && subcommand !== 'test') return null;
  let compileOnly = false;
  const command: GoCommand = {
    subcommand,
    xx: program === 'xx-go',
    output: null,
    packages: [],
    flags: emptyFlags(),
  };
  for (let i = index + 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      command.packages.push(...argv.slice(i + 1));
      break;
    }
    const match = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(word);
    if (!match) {
      command.packages.push(word);
      continue;
    }
    const name = match[1]!;
    let value = match[2];
    if (value === undefined && VALUE_FLAGS.has(name)) value = argv[++i] ?? '';
    switch (name) {
      case 'o':
        command.output = value ?? null;
        break;
      case 'c':
        compileOnly = value === undefined || value === 'true';
        break;
      case 'ldflags':
        applyLdflags(command.flags, value ?? '');
        break;
      case 'tags':
        command.flags.tags = (value ?? '').split(/[,\s]+/).filter(Boolean);
        break;
      case 'trimpath':
        command.flags.trimpath = value === undefined || value === 'true';
        break;
      case 'buildmode':
        command.flags.buildmode = value ?? null;
        break;
      default:
        break;
    }
  }
  // `go test` without -c runs tests and leaves no binary.
  if (subcommand === 'test' && !compileOnly) return null;
  return command;
}

function applyLdflags(flags: GoBuildFlags, ldflags: string): void {
  // A command substitution inside (`$(cat /tmp/.ldflags)`) is shown as written, not guessed.
  flags.ldflags = ldflags.split(UNKNOWN_MARK).join('$(...)');
  const words = expandWords(ldflags, () => undefined);
  for (let i = 0; i < words.length; i++) {
    const match = /^--?(linkmode|extldflags)(?:=(.*))?$/s.exec(words[i]!);
    if (!match) continue;
    const value = match[2] ?? words[++i] ?? '';
    if (match[1] === 'linkmode') flags.linkmode = value.split(UNKNOWN_MARK).join('$(...)');
    else flags.extldflags = value.split(UNKNOWN_MARK).join('$(...)');
  }
}

/** The file name `go build` gives a package's binary when no -o is given (null: unknown). */
export function binaryName(pkg: string): string | null {
  if (pkg.endsWith('.go')) return pkg.split('/').pop()!.replace(/\.go$/, '');
  const path = posix.normalize(pkg.replace(/@.*$/, '')).replace(/\/+$/, '');
  if (path === '.' || path === '' || path === '..' || pkg.includes('...')) return null;
  const parts = path.split('/');
  let name = parts.pop()!;
  if (/^v[0-9]+$/.test(name) && parts.length > 0 && !path.startsWith('.')) name = parts.pop()!;
  return name === '.' ? null : name;
}
