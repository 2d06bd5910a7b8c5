/**
 * The loader simulation (src/loader) read for EG101–EG106 and EG202: which simulations stand for
 * something that runs or is loaded, what each program's interpreter lookup gave, and the load
 * problems grouped so that each is reported once, on the object that has the need, with the
 * executables whose start it breaks as evidence.
 */
import type { ElfFacts } from '../../elf/types.js';
import path from 'node:path/posix';
import type { Finding, Level } from '../../findings.js';
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
export function oncePerScan<T>(compute: (ctx: RuleContext) => T): (ctx: RuleContext) => T {
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

/** Shared-object file names a loader would be asked for (`libfoo.so`, `libfoo.so.1.2`, a Node addon's `.node`). */
export const LIBRARY_NAME = /\.so(\.[^/]*)?$|\.node$/;

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

/**
 * A shared library that can also run as a program (glibc's libc.so.6 prints its version, and
 * has the PT_INTERP that takes): a SONAME and a library's file name. Programs load it; nobody
 * starts it, unless it is the entrypoint itself.
 */
function isRunnableLibrary(ctx: RuleContext, filePath: string, elf: ElfFacts): boolean {
  if (elf.soname === null || !LIBRARY_NAME.test(filePath)) return false;
  const entry = resolveEntrypoint(ctx.image);
  if (!entry?.path) return true;
  const r = ctx.image.resolve(entry.path);
  return !(r.found && r.path === filePath);
}

/** The executables (in simulation order) whose PT_INTERP the kernel would look up on this platform. */
export const interpretedPrograms = oncePerScan((ctx): InterpretedProgram[] => {
  const arch = imageArchitecture(ctx.image.config);
  const out: InterpretedProgram[] = [];
  for (const { sim, file } of relevantSimulations(ctx)) {
    const elf = file.elf as ElfFacts;
    const interp = sim.interpreter;
    if (sim.mode !== 'executable' || !interp || !runsOn(elf.goarch, arch.goarch)) continue;
    if (isRunnableLibrary(ctx, sim.path, elf)) continue;
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
  /**
   * "breaks the start of: ..." unless the object is the only program it breaks; for a shared
   * library no program of the image loads, who would load it (see `libraryLoadedBy`).
   */
  breaksLine: string[];
  blame: Blame;
  /**
   * The level for a problem that stops the load: as given for a program, or for a library a
   * program loads or that is loaded at run time (placed by the Dockerfile, or in an
   * interpreter's module directory); one lower for any other stray library.
   */
  level(stopping: Level): Level;
  /** The finding with the loader's own words as its runtime error, when it is an error. */
  withError(f: Finding): Finding;
}

/** Executables that load shared objects from a directory of modules, and which directories. */
const MODULE_LOADERS: {
  program: RegExp;
  modules: (interpreter: string) => RegExp;
  what: string;
}[] = [
  {
    // CPython imports extension modules (.so) from site-packages and Debian's dist-packages.
    program: /\/python[23](\.\d+)?$/,
    modules: () => /\/(site|dist)-packages\//,
    what: 'extension modules',
  },
  {
    // Node's require() of a native addon (.node) resolves through node_modules.
    program: /\/node(js)?$/,
    modules: () => /\/node_modules\//,
    what: 'native addons',
  },
  {
    // The JVM's System.loadLibrary looks in the runtime's own lib directory first.
    program: /\/bin\/java$/,
    modules: (java) => new RegExp(`^${escapeRegExp(path.dirname(path.dirname(java)))}/lib/`),
    what: 'JNI libraries',
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The interpreters of the image (real paths of executables) and what they load modules from. */
const moduleLoaders = oncePerScan((ctx: RuleContext) => {
  const found: { interpreter: string; modules: RegExp; what: string }[] = [];
  for (const file of ctx.image.files.values()) {
    if (file.type !== 'file' || !isExecutableFile(file.mode) || file.elf === null) continue;
    for (const loader of MODULE_LOADERS) {
      if (loader.program.test(file.path))
        found.push({
          interpreter: file.path,
          modules: loader.modules(file.path),
          what: loader.what,
        });
    }
  }
  return found;
});

/**
 * npm ships one native addon per C library as sibling packages (`@swc/core-linux-x64-gnu` and
 * `@swc/core-linux-x64-musl`), and the package's loader requires the one that matches the C
 * library it runs on: the other is never loaded. The twin of `library`, when the image has it.
 */
function otherLibcTwin(ctx: RuleContext, library: string): string | null {
  const match = /^(.*\/node_modules\/(?:@[^/]+\/)?)([^/]+)(\/.*)$/.exec(library);
  if (!match) return null;
  const [, prefix, pkg, rest] = match;
  const twinName = /gnu/.test(pkg)
    ? pkg.replace('gnu', 'musl')
    : /musl/.test(pkg)
      ? pkg.replace('musl', 'gnu')
      : null;
  if (twinName === null) return null;
  const twin = ctx.image.resolve(prefix + twinName + rest);
  return twin.found && twin.file.type === 'file' ? prefix + twinName + rest : null;
}

/**
 * Who would load a shared library that no program of the image names in its DT_NEEDED: the
 * Dockerfile put it there (a plugin, an addon shipped with the app), or it sits where an
 * interpreter of the image loads modules from; not loaded when it is the other C library's
 * variant of an npm addon whose twin is there. `why` says which, for evidence.
 */
export function libraryLoadedBy(
  ctx: RuleContext,
  library: string,
): { loaded: boolean; why: string } {
  const twin = otherLibcTwin(ctx, library);
  if (twin !== null)
    return {
      loaded: false,
      why: `an npm addon variant for the other C library: its twin ${twin} is in the image, and the package loads the variant that matches`,
    };
  if (ctx.dockerfile && artifactFor(ctx.dockerfile.model, library))
    return { loaded: true, why: 'put in the image by the Dockerfile, to be loaded at run time' };
  const loader = moduleLoaders(ctx).find((l) => l.modules.test(library));
  if (loader)
    return { loaded: true, why: `${loader.interpreter} loads ${loader.what} from where it sits` };
  return {
    loaded: false,
    why: 'no program of the image loads it, the Dockerfile did not put it there, and no interpreter of the image loads modules from its directory',
  };
}

export function groupReporting(ctx: RuleContext, group: ProblemGroup): GroupReporting {
  const { problems, breaks, flavor } = group;
  const first = problems[0];
  const object = first.object;
  const fatalSymbol =
    problems.find((p) => p.kind === 'symbol-unresolved' && p.fatalAtStart) ?? first;
  const runtimeError = loaderError(fatalSymbol, flavor, breaks[0] ?? object);
  const loadedBy = breaks.length === 0 ? libraryLoadedBy(ctx, object) : null;
  let breaksLine: string[] = [];
  if (breaks.length > 0 && !(breaks.length === 1 && breaks[0] === object))
    breaksLine = [`breaks the start of: ${listSome(breaks, 3)}`];
  else if (loadedBy !== null)
    breaksLine = [
      loadedBy.loaded
        ? `no program of the image names it in DT_NEEDED; ${loadedBy.why}`
        : loadedBy.why,
    ];
  return {
    object,
    breaksLine,
    blame: blameFile(ctx, object, ...breaks),
    level: (stopping) =>
      stopping === 'error' && loadedBy !== null && !loadedBy.loaded ? 'warning' : stopping,
    withError: (f) => (runtimeError && f.level === 'error' ? { ...f, runtimeError } : f),
  };
}
