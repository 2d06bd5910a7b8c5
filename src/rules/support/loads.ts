/**
 * The loader simulation (src/loader) read for EG101–EG106 and EG202: which simulations stand for
 * something that runs or is loaded, what each program's interpreter lookup gave, and the load
 * problems grouped so that each is reported once, on the object that has the need, with the
 * executables whose start it breaks as evidence.
 */
import type { ElfFacts } from '../../elf/types.js';
import type { Finding } from '../../findings.js';
import type { ImageFile } from '../../image/types.js';
import type { LoadProblem, LoadSimulation } from '../../loader/index.js';
import {
  artifactFor,
  blameFile,
  isExecutableFile,
  listSome,
  type Blame,
  type RuleContext,
} from '../context.js';
import {
  goSetting,
  imageArchitecture,
  imageEnv,
  imageLoaders,
  isStaticBase,
  runsOn,
} from '../facts.js';
import { DOCKER_DEFAULT_PATH, resolveEntrypoint } from './entrypoint.js';

/**
 * `compute`, run once per scan: a RuleContext is one scan's facts and never changes, and several
 * rules read the same walk.
 */
function oncePerScan<T>(compute: (ctx: RuleContext) => T): (ctx: RuleContext) => T {
  const cache = new WeakMap<RuleContext, T>();
  return (ctx) => {
    if (!cache.has(ctx)) cache.set(ctx, compute(ctx));
    return cache.get(ctx) as T;
  };
}

/** Evidence for a program nothing starts, which is reported one level lower. */
export const NOT_STARTED = 'not the entrypoint, not in PATH and not put there by the Dockerfile';

/** The entrypoint, a program in a PATH directory, or a file the Dockerfile puts in the image. */
export function isStartable(ctx: RuleContext, filePath: string): boolean {
  const entry = resolveEntrypoint(ctx.image);
  if (entry?.path) {
    const r = ctx.image.resolve(entry.path);
    if (r.found && r.path === filePath) return true;
  }
  if (ctx.dockerfile && artifactFor(ctx.dockerfile.model, filePath)) return true;
  const pathDirs = (imageEnv(ctx.image, 'PATH') ?? DOCKER_DEFAULT_PATH).split(':');
  const dir = filePath.slice(0, filePath.lastIndexOf('/')) || '/';
  return pathDirs.some((d) => {
    const r = ctx.image.resolve(d);
    return r.found && r.path === dir;
  });
}

/** Shared-library file names a loader would be asked for (`libfoo.so`, `libfoo.so.1.2`). */
export const LIBRARY_NAME = /\.so(\.[^/]*)?$/;

/** The simulations that stand for something that can run or be loaded. */
export const relevantSimulations = oncePerScan(
  (ctx): { sim: LoadSimulation; file: ImageFile }[] => {
    const out: { sim: LoadSimulation; file: ImageFile }[] = [];
    for (const sim of ctx.loads.simulations.values()) {
      const file = ctx.image.files.get(sim.path);
      if (!file) continue;
      if (sim.mode === 'executable' ? isExecutableFile(file.mode) : LIBRARY_NAME.test(sim.path))
        out.push({ sim, file });
    }
    return out;
  },
);

/** Whether the flavour of the program and of the loader that would run it differ. */
export function flavorMismatch(sim: LoadSimulation, elf: ElfFacts): boolean {
  return (
    (sim.flavor === 'musl' && elf.libc === 'glibc-dynamic') ||
    (sim.flavor === 'glibc' && elf.libc === 'musl-dynamic')
  );
}

type Interpreter = NonNullable<LoadSimulation['interpreter']>;

/** A program of the image's architecture that names an interpreter, with the lookup's result. */
export interface InterpretedProgram {
  sim: LoadSimulation;
  elf: ElfFacts;
  interp: Interpreter;
}

/** The executables (in simulation order) whose PT_INTERP the kernel would look up on this platform. */
export const interpretedPrograms = oncePerScan((ctx): InterpretedProgram[] => {
  const arch = imageArchitecture(ctx.image.config);
  const out: InterpretedProgram[] = [];
  for (const { sim, file } of relevantSimulations(ctx)) {
    const elf = file.elf as ElfFacts;
    const interp = sim.interpreter;
    if (sim.mode !== 'executable' || !interp || !runsOn(elf.goarch, arch.goarch)) continue;
    out.push({ sim, elf, interp });
  }
  return out;
});

function goEvidence(elf: ElfFacts): string[] {
  if (!elf.go) return [];
  const cgo = goSetting(elf, 'CGO_ENABLED');
  const lines = [`Go ${elf.go.version} binary built with CGO_ENABLED=${cgo ?? '(not recorded)'}`];
  if (cgo === '0' && elf.pie)
    lines.push('-buildmode=pie makes even a CGO_ENABLED=0 Go binary need the dynamic loader');
  return lines;
}

/** A program whose interpreter is not in the image (found, but not for another architecture). */
export interface MissingInterpreter extends InterpretedProgram {
  evidence: string[];
  /** A cgo-enabled Go binary on a base without a C library: EG202 rather than EG101. */
  cgoOnStaticBase: boolean;
}

export const missingInterpreters = oncePerScan((ctx): MissingInterpreter[] => {
  const loaders = imageLoaders(ctx.image);
  const staticBase = isStaticBase(ctx);
  const out: MissingInterpreter[] = [];
  for (const program of interpretedPrograms(ctx)) {
    const { elf, interp } = program;
    if (interp.status === 'incompatible' || interp.status === 'ok') continue;
    const cgo = elf.go ? goSetting(elf, 'CGO_ENABLED') : null;
    const evidence = [
      `PT_INTERP ${interp.requested}`,
      ...(interp.detail ? [interp.detail] : []),
      ...interp.via.map((v) => `via ${v}`),
      loaders.length > 0
        ? `loaders in the image: ${listSome(loaders)}`
        : 'the image has no dynamic loader at all',
      ...goEvidence(elf),
    ];
    out.push({ ...program, evidence, cgoOnStaticBase: cgo === '1' && staticBase });
  }
  return out;
});

/** The line the loader prints when it stops, as glibc's ld.so or musl's word it. */
export function loaderError(
  problem: LoadProblem,
  flavor: LoadSimulation['flavor'],
  program: string,
): string | undefined {
  switch (problem.kind) {
    case 'library-missing':
    case 'library-unloadable':
      return flavor === 'musl'
        ? `Error loading shared library ${problem.name}: No such file or directory (needed by ${problem.object})`
        : `${program}: error while loading shared libraries: ${problem.name}: cannot open shared object file: No such file or directory`;
    case 'version-missing':
      return `${program}: ${problem.providerPath}: version \`${problem.version}' not found (required by ${problem.object})`;
    case 'symbol-unresolved':
      return flavor === 'musl'
        ? `Error relocating ${problem.object}: ${problem.symbol}: symbol not found`
        : `${program}: symbol lookup error: ${problem.object}: undefined symbol: ${problem.symbol}${problem.version ? `, version ${problem.version}` : ''}`;
    default:
      return undefined;
  }
}

/** One object's problems of one kind (EG103, EG104, EG105 or undecided), with what they break. */
export interface ProblemGroup {
  /** All of the same kind as the first. */
  problems: LoadProblem[];
  /** The executables whose start they break, in simulation order. */
  breaks: string[];
  flavor: LoadSimulation['flavor'];
}

/**
 * The load problems, once per object and need, in simulation order (computed once per scan:
 * EG103, EG104 and EG105 each take their kinds). Consequences are left out: the symbols of a
 * missing library or version, problems of programs of another architecture (EG106) and of a
 * program on the other C library (EG102).
 */
export const problemGroups = oncePerScan((ctx): ProblemGroup[] => {
  const simulations = relevantSimulations(ctx);
  const arch = imageArchitecture(ctx.image.config);
  // A need that some executable's load satisfies is not reported from a library alone.
  const satisfied = new Set<string>();
  for (const { sim } of simulations) {
    if (sim.mode !== 'executable') continue;
    for (const object of sim.objects)
      if (object.neededBy) satisfied.add(`${object.neededBy}\0${object.name}`);
  }
  const pending = new Map<string, ProblemGroup>();
  for (const { sim, file } of simulations) {
    const elf = file.elf as ElfFacts;
    if (!runsOn(elf.goarch, arch.goarch) && sim.mode === 'executable') continue; // EG106 says it all
    const mismatch = sim.mode === 'executable' && flavorMismatch(sim, elf);
    // Symbols of a missing library, or of a missing version, are consequences, not causes.
    const incomplete = sim.problems.some(
      (p) => p.kind === 'library-missing' || p.kind === 'library-unloadable',
    );
    const missingVersions = new Set(
      sim.problems.flatMap((p) => (p.kind === 'version-missing' ? [p.version] : [])),
    );
    for (const problem of sim.problems) {
      if (problem.kind === 'symbol-unresolved') {
        if (mismatch || incomplete) continue; // EG102 or EG103 says it
        if (problem.version !== null && missingVersions.has(problem.version)) continue; // EG104 says it
      }
      let key: string;
      switch (problem.kind) {
        case 'library-missing':
        case 'library-unloadable':
          if (sim.mode === 'library' && satisfied.has(`${problem.object}\0${problem.name}`))
            continue;
          key = `EG103\0${problem.object}\0${problem.name}`;
          break;
        case 'version-missing':
          key = `EG104\0${problem.object}\0${problem.file}`;
          break;
        case 'symbol-unresolved':
          key = `EG105\0${problem.object}`;
          break;
        case 'undecided':
          key = `undecided\0${problem.object}\0${problem.detail}`;
          break;
      }
      let entry = pending.get(key);
      if (!entry) {
        entry = { problems: [], breaks: [], flavor: sim.flavor };
        pending.set(key, entry);
      }
      if (!entry.problems.some((p) => JSON.stringify(p) === JSON.stringify(problem)))
        entry.problems.push(problem);
      if (sim.mode === 'executable' && !entry.breaks.includes(sim.path))
        entry.breaks.push(sim.path);
    }
  }
  return [...pending.values()];
});

/** What every finding about a problem group carries. */
export interface GroupReporting {
  /** The object that has the need. */
  object: string;
  /** "breaks the start of: ..." unless the object is the only program it breaks. */
  breaksLine: string[];
  blame: Blame;
  /** The finding with the loader's own words as its runtime error, when it is an error. */
  withError(f: Finding): Finding;
}

export function groupReporting(ctx: RuleContext, group: ProblemGroup): GroupReporting {
  const { problems, breaks, flavor } = group;
  const first = problems[0];
  const object = first.object;
  const fatalSymbol =
    problems.find((p) => p.kind === 'symbol-unresolved' && p.fatalAtStart) ?? first;
  const runtimeError = loaderError(fatalSymbol, flavor, breaks[0] ?? object);
  return {
    object,
    breaksLine:
      breaks.length > 0 && !(breaks.length === 1 && breaks[0] === object)
        ? [`breaks the start of: ${listSome(breaks, 3)}`]
        : [],
    blame: blameFile(ctx, object, ...breaks),
    withError: (f) => (runtimeError && f.level === 'error' ? { ...f, runtimeError } : f),
  };
}
