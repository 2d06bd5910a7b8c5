/**
 * RUN (BuildKit's dispatchRun): reads the shell text of a RUN (or its here-documents) command by
 * command with the stage's environment, and records what the commands write: go builds (see
 * builds.ts), opaque builders (make, mage, build scripts), `cp`/`mv`/`install` of files the stage
 * or a `--mount=from=` stage holds, and downloads.
 */
import { posix } from 'node:path';
import { installsCompiler } from './base.js';
import { recordGoBuild, recordOpaqueBuild } from './builds.js';
import { copySourceFrom, isDirectory, lookupFiles } from './copy.js';
import { UNKNOWN_MARK, expandWord, type Lookup } from './expand.js';
import { emptyFlags, parseGoCommand } from './gobuild.js';
import { lookupIn } from './scope.js';
import { assignmentOf, splitCommands } from './shell.js';
import {
  addEvent,
  cleanPath,
  emptyTriple,
  expand,
  type FileEvent,
  type Origin,
  type ReadContext,
  type StageState,
  type Var,
} from './state.js';
import type { Instruction } from './syntax.js';

const NON_BUILD_TARGETS =
  /^(clean|clean-\w+|test|tests|check|lint|fmt|vet|mocks|generate|deps|tidy|vendor|download|tools|help)$/;
const BUILD_SCRIPT = /build|release|install|compile|dist|ci\.go|make/i;

const OPAQUE_BUILDERS = new Set([
  'make',
  'gmake',
  'mage',
  'goreleaser',
  'promu',
  'xgo',
  'task',
  'just',
  'bazel',
  'ninja',
  'cargo',
]);

export function dispatchRun(ctx: ReadContext, state: StageState, instruction: Instruction): void {
  const line = instruction.range.startLine;
  // RUN --mount=type=bind,from=<stage>: paths under the target read that stage's files.
  const mounts: { target: string; source: string; stage: StageState | null }[] = [];
  for (const flag of instruction.flags.filter((f) => f.name === 'mount' && f.value)) {
    const options = new Map(
      flag.value!.split(',').map((kv) => {
        const eq = kv.indexOf('=');
        return (eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)]) as [string, string];
      }),
    );
    const type = options.get('type') ?? 'bind';
    const from = options.get('from');
    // A from-mount without a target is read in the working directory (compose's releaser
    // stages rely on it: `RUN --mount=from=binary cp docker-compose* /out`).
    const target =
      options.get('target') ??
      options.get('dst') ??
      options.get('destination') ??
      (from ? '.' : undefined);
    if (type !== 'bind' || !target) continue;
    const stage = from ? copySourceFrom(ctx, state, instruction, from) : null;
    mounts.push({
      target: posix.resolve(state.workdir, expand(ctx, target, lookupIn(state), instruction)),
      source: posix.resolve('/', options.get('source') ?? options.get('src') ?? '/'),
      stage: typeof stage === 'string' ? null : stage,
    });
  }
  // Texts to run: the command line, or the here-document bodies a shell reads.
  const texts: string[] = [];
  if (instruction.json) texts.push(instruction.json.map(shellQuote).join(' '));
  else if (instruction.heredocs.length > 0) {
    const head = instruction.args.replace(/<<-?(["']?)[A-Za-z_][\w.-]*\1/g, '').trim();
    if (head === '' || /^(\/bin\/)?(ba|a|da)?sh(\s+-\S+)*$/.test(head))
      texts.push(...instruction.heredocs.map((h) => h.body));
    else texts.push(head);
  } else texts.push(instruction.args);
  if (!/(^|\/)(ba|a|da)?sh$/.test(state.shell[0] ?? '')) {
    // cmd or PowerShell: no sh grammar to read; a make or go build in it decides the values.
    const found = /\b(make\s+[\w.-]+|go\s+(build|install)|mage\s+\S+)/.exec(texts.join(' '));
    if (found) {
      const env = new Map<string, Var>(
        [...state.args].filter((e): e is [string, Var] => e[1] !== null),
      );
      for (const [name, value] of state.env) env.set(name, value);
      recordOpaqueBuild(ctx, state, instruction, found[1]!, (name) => env.get(name), state.workdir);
    }
    return;
  }
  // The RUN environment: ENV and ARG values (ARG section: exported to RUN), ENV winning.
  const exported = new Map<string, Var>();
  for (const [name, value] of state.args) if (value) exported.set(name, value);
  for (const [name, value] of state.env) exported.set(name, value);
  const shellVars = new Map<string, Var>();
  let cwd = state.workdir;
  let downloadedFrom: string | null = null;
  for (const text of texts) {
    for (const { words: raw, conditional } of splitCommands(text)) {
      const lookup: Lookup = (name) => shellVars.get(name)?.value ?? exported.get(name)?.value;
      const expand = (word: string): string => {
        try {
          return expandWord(word, lookup, { shell: true });
        } catch {
          return UNKNOWN_MARK;
        }
      };
      let words = raw;
      const inline = new Map<string, Var>();
      while (words.length > 0 && assignmentOf(words[0]!)) {
        const a = assignmentOf(words[0]!)!;
        inline.set(a.name, { value: expand(a.value), origin: `inline on RUN line ${line}` });
        words = words.slice(1);
      }
      if (words.length === 0) {
        // `NAME=value` alone sets a shell variable; an exported one reaches later commands.
        // Under a condition the value is not certain: the model keeps the one before.
        if (conditional) continue;
        for (const [name, value] of inline) {
          const v = { value: value.value, origin: `set on RUN line ${line}` };
          if (exported.has(name)) exported.set(name, v);
          else shellVars.set(name, v);
        }
        continue;
      }
      // Unquoted expansions are split on whitespace and vanish when empty, as in sh.
      let argv = words.flatMap((word) => {
        const value = expand(word);
        if (/["']/.test(word) || !word.includes('$')) return [value];
        return value.split(/\s+/).filter(Boolean);
      });
      if (argv.length === 0) continue;
      if (argv[0] === 'export') {
        if (conditional) continue;
        for (const word of words.slice(1)) {
          const a = assignmentOf(word);
          if (a)
            exported.set(a.name, {
              value: expand(a.value),
              origin: `export on RUN line ${line}`,
            });
          else if (shellVars.has(word)) exported.set(word, shellVars.get(word)!);
        }
        continue;
      }
      // `env X=Y cmd`, `sudo`, `time`, `exec`: the command that follows.
      while (
        argv.length > 1 &&
        ['env', 'exec', 'time', 'sudo', 'nice', 'command'].includes(argv[0]!)
      ) {
        const isEnv = argv[0] === 'env';
        argv = argv.slice(1);
        words = words.slice(1);
        while (isEnv && argv.length > 0 && (assignmentOf(words[0]!) || argv[0]!.startsWith('-'))) {
          const a = assignmentOf(words[0]!);
          if (a)
            inline.set(a.name, { value: expand(a.value), origin: `inline on RUN line ${line}` });
          argv = argv.slice(1);
          words = words.slice(1);
        }
      }
      const program = argv[0]!;
      const envFor = (name: string): Var | undefined => inline.get(name) ?? exported.get(name);
      if (program === 'cd') {
        cwd = posix.resolve(cwd, argv[1] ?? '/root');
        continue;
      }
      const compiler = installsCompiler(argv);
      if (compiler && !state.compiler.present)
        state.compiler = { present: true, why: `${compiler} (line ${line})` };
      if (program === 'xx-go' && argv[1] === '--wrap') {
        state.xxWrapped = true;
        continue;
      }
      const go = parseGoCommand(argv);
      if (go) {
        recordGoBuild(ctx, state, instruction, go, envFor, cwd);
        continue;
      }
      if (['cp', 'mv', 'install', 'ln'].includes(program)) {
        recordCopyCommand(state, instruction, argv, cwd, mounts);
        continue;
      }
      if (program === 'curl' || program === 'wget') {
        downloadedFrom = argv.find((w) => /^https?:\/\//.test(w)) ?? 'a URL';
        recordDownload(state, instruction, argv, cwd);
        continue;
      }
      if (downloadedFrom && (program === 'tar' || program === 'unzip')) {
        // `curl ... | tar -x -C dir`: the archive's files land in dir.
        const flagAt = argv.findIndex((w) => w === '-C' || w === '--directory' || w === '-d');
        const dir = flagAt > 0 && argv[flagAt + 1] ? posix.resolve(cwd, argv[flagAt + 1]!) : cwd;
        const origin: Origin = {
          stage: state.label,
          source: 'downloaded',
          declared: emptyTriple(`downloaded from ${downloadedFrom}`),
          flags: emptyFlags(),
          built: instruction.range,
          notes: [],
        };
        addEvent(state, {
          kind: 'some',
          path: cleanPath(dir),
          origin,
          chain: [
            {
              stage: state.label,
              instruction: 'RUN',
              range: instruction.range,
              path: cleanPath(dir),
            },
          ],
          chmod: null,
          chown: null,
        });
        continue;
      }
      const opaque = opaqueBuilder(argv);
      if (opaque) {
        // A script given the target platform (`mage release:xgo "$TARGETOS/$TARGETARCH"`,
        // `--platform $TARGETOS/$TARGETARCH`) builds for it.
        const givesTarget = words.some((w) => /\$\{?TARGET(OS|ARCH|PLATFORM)\b/.test(w));
        const tp = envFor('TARGETPLATFORM')?.value;
        const passed = givesTarget
          ? {
              os: envFor('TARGETOS')?.value || tp?.split('/')[0] || '',
              arch: envFor('TARGETARCH')?.value || tp?.split('/')[1] || '',
            }
          : null;
        recordOpaqueBuild(ctx, state, instruction, opaque, envFor, cwd, argv, passed);
      }
    }
  }
}

/** make, mage, scripts, `go run`: builds whose outputs and settings the Dockerfile does not show. */
function opaqueBuilder(argv: string[]): string | null {
  const program = argv[0]!;
  const base = program.split('/').pop()!;
  const operands = argv.slice(1).filter((w) => !w.startsWith('-') && !w.includes('='));
  if (base === 'make' || base === 'gmake') {
    // Targets that build nothing for the image (clean, test, lint...) are not builders.
    if (operands.length > 0 && operands.every((t) => NON_BUILD_TARGETS.test(t))) return null;
    return [base, operands[0] ?? ''].join(' ').trim();
  }
  if (OPAQUE_BUILDERS.has(base)) return [base, operands[0] ?? ''].join(' ').trim();
  // `go run build.go`, `sh build.sh`, `./scripts/build/binary`: builders when the name says
  // so. Installed programs (/usr/bin/buildctl --version) are not scripts of the project.
  if (base === 'go' && argv[1] === 'run') {
    const target = operands[1] ?? '';
    return BUILD_SCRIPT.test(target) ? `go run ${target}` : null;
  }
  const script = ['sh', 'bash'].includes(base) ? operands[0] : program;
  if (!script || /^\/(usr\/)?(local\/)?s?bin\//.test(script)) return null;
  const isScript =
    script.startsWith('./') ||
    /\.(sh|bash)$/.test(script) ||
    /^\.?\/?(build|hack|scripts?)\//.test(script);
  if (isScript && BUILD_SCRIPT.test(script))
    return ['sh', 'bash'].includes(base) ? `${base} ${script}` : script;
  return null;
}

function recordCopyCommand(
  state: StageState,
  instruction: Instruction,
  argv: string[],
  cwd: string,
  mounts: { target: string; source: string; stage: StageState | null }[],
): void {
  const program = argv[0]!;
  if (program === 'ln') return;
  const operands: string[] = [];
  let targetDir: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (program === 'install' && ['-m', '-o', '-g', '--mode', '--owner', '--group'].includes(word))
      i++;
    else if ((word === '-t' || word === '--target-directory') && i + 1 < argv.length)
      targetDir = argv[++i]!;
    else if (!word.startsWith('-')) operands.push(word);
  }
  // A name computed at build time (`$(ls ...)`) becomes a wildcard in the recorded path.
  for (let k = 0; k < operands.length; k++)
    operands[k] = operands[k]!.split(UNKNOWN_MARK).join('*');
  if (targetDir) targetDir = targetDir.split(UNKNOWN_MARK).join('*');
  if (operands.length < (targetDir ? 1 : 2)) return;
  const destRaw = targetDir ?? operands.pop()!;
  const dest = posix.resolve(cwd, destRaw);
  const destIsDir =
    targetDir !== null || destRaw.endsWith('/') || operands.length > 1 || isDirectory(state, dest);
  for (const operand of operands) {
    const src = posix.resolve(cwd, operand);
    const mount = mounts.find((m) => src === m.target || src.startsWith(m.target + '/'));
    let matches: { event: FileEvent; relative: string | null }[];
    if (mount && mount.stage)
      matches = lookupFiles(mount.stage, posix.join(mount.source, src.slice(mount.target.length)));
    else if (mount) continue;
    else matches = lookupFiles(state, src);
    for (const match of matches) {
      if (match.event.chain.length === 0 && match.event.origin.source === 'unknown') continue;
      const name = posix.basename(match.relative === null ? match.event.path : src);
      const path = cleanPath(
        match.relative
          ? posix.join(dest, match.relative)
          : destIsDir
            ? posix.join(dest, name)
            : dest,
      );
      addEvent(state, {
        kind: match.relative === '' && match.event.path !== src ? 'file' : match.event.kind,
        path,
        origin: match.event.origin,
        chain: [
          ...match.event.chain,
          { stage: state.label, instruction: 'RUN', range: instruction.range, path },
        ],
        chmod: match.event.chmod,
        chown: match.event.chown,
      });
    }
  }
}

function recordDownload(
  state: StageState,
  instruction: Instruction,
  argv: string[],
  cwd: string,
): void {
  let output: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-o' || word === '--output' || word === '-O' || word === '--output-document')
      output = argv[++i] ?? null;
    else if (/^-[a-zA-Z]*o$/.test(word) && argv[0] === 'curl') output = argv[++i] ?? null;
    else if (word.startsWith('--output=') || word.startsWith('--output-document='))
      output = word.slice(word.indexOf('=') + 1);
  }
  const url = argv.find((w) => /^https?:\/\//.test(w)) ?? 'a URL';
  if (!output || output === '-' || output.includes(UNKNOWN_MARK)) return;
  const path = cleanPath(posix.resolve(cwd, output));
  const origin: Origin = {
    stage: state.label,
    source: 'downloaded',
    declared: emptyTriple(`downloaded from ${url}`),
    flags: emptyFlags(),
    built: instruction.range,
    notes: [],
  };
  addEvent(state, {
    kind: 'file',
    path,
    origin,
    chain: [{ stage: state.label, instruction: 'RUN', range: instruction.range, path }],
    chmod: null,
    chown: null,
  });
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
