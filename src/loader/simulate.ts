/**
 * Runs the image's loader on paper for every ELF file of an image: the interpreter the kernel
 * would start, the objects the loader would map breadth-first (as glibc's
 * `_dl_map_object_deps` and musl's `load_deps` do), and the binding checks of `ldd -r`.
 */
import type { ElfFacts } from '../elf/types.js';
import type { ImageFile, ImageView } from '../image/types.js';
import { checkBinding, type BindingMemo } from './binding.js';
import { loaderEnvironment, type LoaderEnvironment } from './environment.js';
import { resolveInterpreter } from './interpreter.js';
import { hiddenLoads } from './hidden-loads.js';
import { glibcInterpreter, muslInterpreter } from './machine.js';
import { glibcLayout, LibrarySearch, type ChainLink } from './search.js';
import type {
  InterpreterResolution,
  LoadedObject,
  LoaderFlavor,
  LoadProblem,
  LoadSimulation,
} from './types.js';

/** Library names musl's loader answers itself (ldso/dynlink.c `reserved`). */
const MUSL_RESERVED = /^lib(c|pthread|rt|m|dl|util|xnet)\./;

export interface ImageLoadReport {
  environment: LoaderEnvironment;
  /** One per simulated ELF file (executables with PT_INTERP and shared libraries), by path. */
  simulations: Map<string, LoadSimulation>;
}

/** Simulates every dynamically linked ELF of the image. */
export function simulateImage(view: ImageView): ImageLoadReport {
  const simulator = new LoadSimulator(view);
  const simulations = new Map<string, LoadSimulation>();
  for (const file of view.files.values()) {
    if (file.type !== 'file' || file.elf === null || file.linkTarget !== null) continue;
    const sim = simulator.simulate(file);
    if (sim) simulations.set(file.path, sim);
  }
  return { environment: simulator.environment, simulations };
}

/** Simulates one file of the image (its path must be a regular ELF file). */
export function simulateLoad(view: ImageView, filePath: string): LoadSimulation | null {
  const resolved = view.resolve(filePath);
  if (!resolved.found || resolved.file.elf === null) return null;
  return new LoadSimulator(view).simulate(resolved.file);
}

interface LoaderSetup {
  interpreter: InterpreterResolution;
  flavor: LoaderFlavor;
  search: LibrarySearch;
}

export class LoadSimulator {
  readonly environment: LoaderEnvironment;
  private readonly setups = new Map<string, LoaderSetup>();
  private readonly libraryLoaders = new Map<string, InterpreterResolution | null>();
  private readonly librarySims = new Map<string, LoadSimulation>();
  private readonly bindingMemo: BindingMemo;

  constructor(private readonly view: ImageView) {
    this.environment = loaderEnvironment(view);
    this.bindingMemo = {
      selfSufficient: new Map(),
      librarySimulation: (realPath) =>
        this.librarySims.get(realPath) ?? this.simulateLibraryAt(realPath),
    };
  }

  simulate(file: ImageFile): LoadSimulation | null {
    const elf = file.elf;
    if (elf === null) return null;
    if (elf.linkage === 'dynamic' && elf.interpreter !== null)
      return this.simulateExecutable(file.path, elf);
    if (elf.linkage === 'shared-library') return this.simulateLibrary(file.path, elf);
    return null;
  }

  private setupFor(interpreter: InterpreterResolution, requester: ElfFacts): LoaderSetup {
    const key = `${interpreter.requested}\0${interpreter.path}\0${requester.eMachine}`;
    let setup = this.setups.get(key);
    if (!setup) {
      const layout =
        interpreter.flavor === 'glibc' && interpreter.path !== null && interpreter.elf !== null
          ? glibcLayout(interpreter.path, interpreter.elf)
          : null;
      const musl = interpreter.flavor === 'musl';
      const compiled = interpreter.elf?.loaderSearchPath;
      const search = new LibrarySearch(
        this.environment,
        layout,
        musl ? interpreter.requested : null,
        musl && compiled?.flavor === 'musl' ? compiled.systemDirs.join(':') : null,
      );
      setup = { interpreter, flavor: interpreter.flavor, search };
      this.setups.set(key, setup);
    }
    return setup;
  }

  private simulateExecutable(filePath: string, elf: ElfFacts): LoadSimulation {
    const interpreter = resolveInterpreter(
      this.view,
      elf.interpreter as string,
      elf,
      this.environment.cwd,
    );
    const base = {
      path: filePath,
      mode: 'executable' as const,
      interpreter,
      flavor: interpreter.flavor,
    };
    const self = this.selfObject(filePath, elf);
    if (interpreter.status !== 'ok') {
      return {
        ...base,
        objects: [self],
        problems: [],
        notSimulated: `interpreter ${interpreter.requested}: ${interpreter.detail}`,
        hiddenLoads: [],
      };
    }
    if (interpreter.flavor === 'unknown') {
      return {
        ...base,
        objects: [self],
        problems: [
          {
            kind: 'undecided',
            object: filePath,
            detail: `unknown loader ${interpreter.path} (${interpreter.flavorEvidence}): libraries and symbols not checked`,
          },
        ],
        notSimulated: `unknown loader ${interpreter.path}`,
        hiddenLoads: [],
      };
    }
    const setup = this.setupFor(interpreter, elf);
    const { objects, problems } = this.loadClosure(self, setup);
    problems.push(...checkBinding(objects, setup.flavor, 'executable', this.bindingMemo));
    const hidden = setup.flavor === 'glibc' ? hiddenLoads(objects, setup.search, this.view) : [];
    return { ...base, objects, problems, notSimulated: null, hiddenLoads: hidden };
  }

  private simulateLibrary(filePath: string, elf: ElfFacts): LoadSimulation {
    const resolved = this.view.resolve(filePath);
    const realPath = resolved.found ? resolved.path : filePath;
    const cached = this.librarySims.get(realPath);
    if (cached) return cached;
    const interpreter = this.libraryLoader(elf);
    const self = this.selfObject(filePath, elf);
    let sim: LoadSimulation;
    if (interpreter === null || interpreter.flavor === 'unknown') {
      sim = {
        path: filePath,
        mode: 'library',
        interpreter,
        flavor: 'unknown',
        objects: [self],
        problems: [],
        notSimulated: `no ${elf.machine} loader in the image`,
        hiddenLoads: [],
      };
    } else {
      const setup = this.setupFor(interpreter, elf);
      const { objects, problems } = this.loadClosure(self, setup);
      problems.push(...checkBinding(objects, setup.flavor, 'library', this.bindingMemo));
      sim = {
        path: filePath,
        mode: 'library',
        interpreter,
        flavor: setup.flavor,
        objects,
        problems,
        notSimulated: null,
        hiddenLoads: [],
      };
    }
    this.librarySims.set(realPath, sim);
    return sim;
  }

  private simulateLibraryAt(realPath: string): LoadSimulation | null {
    const resolved = this.view.resolve(realPath);
    if (!resolved.found || resolved.file.elf === null) return null;
    return this.simulateLibrary(realPath, resolved.file.elf);
  }

  /**
   * The loader a shared library would be loaded by: of the interpreters most executables of its
   * machine in this image use (then the standard glibc and musl paths), the first of the
   * library's own C library family, else the first that is present.
   */
  private libraryLoader(elf: ElfFacts): InterpreterResolution | null {
    const key = `${elf.eMachine}/${elf.class}/${elf.endianness}/${elf.eFlags & 0x400}/${elf.libc}`;
    if (this.libraryLoaders.has(key)) return this.libraryLoaders.get(key) ?? null;
    const counts = new Map<string, number>();
    for (const file of this.view.files.values()) {
      const other = file.elf;
      if (!other || other.linkage !== 'dynamic' || other.interpreter === null) continue;
      if (
        other.eMachine !== elf.eMachine ||
        other.class !== elf.class ||
        other.endianness !== elf.endianness
      )
        continue;
      counts.set(other.interpreter, (counts.get(other.interpreter) ?? 0) + 1);
    }
    const candidates = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([interp]) => interp);
    for (const standard of [glibcInterpreter(elf), muslInterpreter(elf)]) {
      if (standard !== null && !candidates.includes(standard)) candidates.push(standard);
    }
    // A musl-linked library (DT_NEEDED libc.so or libc.musl-*) is loaded by musl's loader, a
    // glibc-linked one (libc.so.6 and its GLIBC_x versions) by glibc's: in an image with both
    // loaders, the programs' favourite is not every library's.
    const own =
      elf.libc === 'musl-dynamic' ? 'musl' : elf.libc === 'glibc-dynamic' ? 'glibc' : null;
    const musl = muslInterpreter(elf);
    if (own === 'musl' && musl !== null) candidates.unshift(musl);
    let chosen: InterpreterResolution | null = null;
    for (const candidate of candidates) {
      const resolution = resolveInterpreter(this.view, candidate, elf, '/');
      if (resolution.status !== 'ok' || resolution.flavor === 'unknown') continue;
      chosen ??= resolution;
      if (own === null || resolution.flavor === own) {
        chosen = resolution;
        break;
      }
    }
    this.libraryLoaders.set(key, chosen);
    return chosen;
  }

  private selfObject(filePath: string, elf: ElfFacts): LoadedObject {
    const resolved = this.view.resolve(filePath);
    const realPath = resolved.found ? resolved.path : filePath;
    // The kernel-mapped program's $ORIGIN comes from /proc/self/exe: its real path.
    return {
      name: filePath,
      path: realPath,
      realPath,
      neededBy: null,
      how: 'the checked file',
      elf,
    };
  }

  /** Breadth-first over DT_NEEDED, as both loaders map dependencies. */
  private loadClosure(
    self: LoadedObject,
    setup: LoaderSetup,
  ): { objects: LoadedObject[]; problems: LoadProblem[] } {
    const objects: LoadedObject[] = [self];
    const problems: LoadProblem[] = [];
    const byRealPath = new Map<string, LoadedObject>([[self.realPath, self]]);
    const byName = new Map<string, LoadedObject>();
    const remember = (object: LoadedObject, ...names: (string | null)[]) => {
      for (const name of names) if (name) byName.set(name, object);
    };
    remember(self, self.name, self.path, self.elf.soname);

    const interpreter = setup.interpreter;
    const loader: LoadedObject | null =
      interpreter.path !== null && interpreter.elf !== null
        ? {
            name: interpreter.requested,
            path: interpreter.requested,
            realPath: interpreter.path,
            neededBy: null,
            how: 'the interpreter',
            elf: interpreter.elf,
          }
        : null;
    if (loader && !byRealPath.has(loader.realPath)) {
      // glibc: ld.so is in the namespace from the start and answers to its SONAME.
      remember(loader, loader.name, loader.elf.soname);
    }

    const parents = new Map<LoadedObject, LoadedObject | null>([[self, null]]);
    const chainOf = (object: LoadedObject): ChainLink[] => {
      const chain: ChainLink[] = [];
      for (let o: LoadedObject | null = object; o; o = parents.get(o) ?? null) chain.push(o);
      return chain;
    };

    for (let i = 0; i < objects.length; i++) {
      const requester = objects[i];
      for (const name of requester.elf.needed) {
        if (setup.flavor === 'musl' && MUSL_RESERVED.test(name) && loader) {
          if (!byRealPath.has(loader.realPath)) {
            const object = {
              ...loader,
              name,
              how: "musl's loader itself (it is the C library)",
              neededBy: requester.realPath,
            };
            objects.push(object);
            byRealPath.set(loader.realPath, object);
            parents.set(object, requester);
            remember(object, name);
          }
          continue;
        }
        const already = byName.get(name);
        if (already) {
          if (!byRealPath.has(already.realPath)) {
            const object = { ...already, neededBy: requester.realPath };
            objects.push(object);
            byRealPath.set(object.realPath, object);
            parents.set(object, requester);
            remember(object, name);
          }
          continue;
        }
        const chain = chainOf(requester);
        const result =
          setup.flavor === 'glibc'
            ? setup.search.glibcSearch(name, chain, self)
            : setup.search.muslSearch(name, chain);
        if (!result.found) {
          if (result.unloadable) {
            problems.push({
              kind: 'library-unloadable',
              object: requester.realPath,
              name,
              ...result.unloadable,
            });
          } else {
            problems.push({
              kind: 'library-missing',
              object: requester.realPath,
              name,
              searched: result.searched,
              skipped: result.skipped,
              onlyInLdSoConf:
                setup.flavor === 'glibc' ? setup.search.onlyInLdSoConf(name, requester.elf) : null,
            });
          }
          continue;
        }
        const existing = byRealPath.get(result.candidate.realPath);
        if (existing) {
          remember(existing, name);
          continue;
        }
        const object: LoadedObject = {
          name,
          path: result.candidate.path,
          realPath: result.candidate.realPath,
          neededBy: requester.realPath,
          how: result.how,
          elf: result.candidate.elf,
        };
        objects.push(object);
        byRealPath.set(object.realPath, object);
        parents.set(object, requester);
        remember(object, name, object.path, object.elf.soname);
      }
    }
    // The loader is always in the global scope, even when nothing names it.
    if (loader && !byRealPath.has(loader.realPath)) objects.push(loader);
    return { objects, problems };
  }
}
