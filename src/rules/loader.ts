/**
 * EG101–EG107: what the kernel and the image's loader would do with each ELF file, from the
 * loader simulation (src/loader). Each problem is reported once, on the object that has the
 * need, with the executables whose start it breaks as evidence.
 */
import type { ElfFacts } from '../elf/types.js';
import type { Finding } from '../findings.js';
import type { ImageFile } from '../image/types.js';
import type {
  LoadProblem,
  LoadSimulation,
  SymbolUnresolved,
  VersionMissing,
} from '../loader/index.js';
import { ruleMeta } from './catalog.js';
import { DOCKER_DEFAULT_PATH, resolveEntrypoint } from './entrypoint.js';
import {
  artifactFor,
  blameFile,
  finding,
  isExecutableFile,
  listSome,
  type Rule,
  type RuleContext,
} from './context.js';
import {
  goSetting,
  imageArchitecture,
  imageEnv,
  imageLoaders,
  isStaticBase,
  runsOn,
} from './facts.js';

/** The entrypoint, a program in a PATH directory, or a file the Dockerfile puts in the image. */
function isStartable(ctx: RuleContext, filePath: string): boolean {
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
const LIBRARY_NAME = /\.so(\.[^/]*)?$/;

/** The simulations that stand for something that can run or be loaded. */
export function relevantSimulations(ctx: RuleContext): { sim: LoadSimulation; file: ImageFile }[] {
  const out: { sim: LoadSimulation; file: ImageFile }[] = [];
  for (const sim of ctx.loads.simulations.values()) {
    const file = ctx.image.files.get(sim.path);
    if (!file) continue;
    if (sim.mode === 'executable' ? isExecutableFile(file.mode) : LIBRARY_NAME.test(sim.path))
      out.push({ sim, file });
  }
  return out;
}

function goEvidence(elf: ElfFacts): string[] {
  if (!elf.go) return [];
  const cgo = goSetting(elf, 'CGO_ENABLED');
  const lines = [`Go ${elf.go.version} binary built with CGO_ENABLED=${cgo ?? '(not recorded)'}`];
  if (cgo === '0' && elf.pie)
    lines.push('-buildmode=pie makes even a CGO_ENABLED=0 Go binary need the dynamic loader');
  return lines;
}

/** Whether the flavour of the program and of the loader that would run it differ. */
function flavorMismatch(sim: LoadSimulation, elf: ElfFacts): boolean {
  return (
    (sim.flavor === 'musl' && elf.libc === 'glibc-dynamic') ||
    (sim.flavor === 'glibc' && elf.libc === 'musl-dynamic')
  );
}

function loadedBy(list: string[]): string {
  return `breaks the start of: ${listSome(list, 3)}`;
}

/** "defines up to GLIBC_2.31" from the provider's version names. */
function highestOfFamily(version: string, defined: string[]): string | null {
  const family = version.replace(/[0-9.]+$/, '');
  const numbers = (v: string) => v.slice(family.length).split('.').map(Number);
  const sameFamily = defined.filter(
    (v) =>
      v.startsWith(family) && /^[0-9.]+$/.test(v.slice(family.length)) && v.length > family.length,
  );
  if (sameFamily.length === 0) return null;
  return sameFamily.reduce((best, v) => {
    const a = numbers(v);
    const b = numbers(best);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0) ? v : best;
    }
    return best;
  });
}

export const loaderRules: Rule = {
  ids: ['EG101', 'EG102', 'EG103', 'EG104', 'EG105', 'EG106', 'EG107', 'EG202'],
  check(ctx) {
    const findings: Finding[] = [];
    const arch = imageArchitecture(ctx.image.config);
    const loaders = imageLoaders(ctx.image);
    const staticBase = isStaticBase(ctx);

    // --- The executable itself: architecture, interpreter, flavour.
    for (const file of ctx.image.files.values()) {
      const elf = file.elf;
      if (file.type !== 'file' || !elf || file.linkTarget !== null || !isExecutableFile(file.mode))
        continue;
      if (
        elf.linkage === 'shared-library' ||
        elf.linkage === 'relocatable' ||
        elf.linkage === 'other'
      )
        continue;
      if (!runsOn(elf.goarch, arch.goarch)) {
        // A foreign program nothing starts (test data of a toolchain, say) breaks nothing yet.
        findings.push(
          finding(
            'EG106',
            isStartable(ctx, file.path) ? 'error' : 'warning',
            file.path,
            `${file.path} is a ${elf.machine} program (${elf.class}-bit ${elf.endianness}-endian) in a ${arch.platform} image`,
            [
              `ELF e_machine ${elf.eMachine} (${elf.machine}${elf.goarch ? `, GOARCH ${elf.goarch}` : ''}); image platform ${arch.platform}`,
              ...(elf.go
                ? [`Go build info: GOARCH=${goSetting(elf, 'GOARCH') ?? '(not recorded)'}`]
                : []),
              'a node with binfmt_misc and qemu-user may still run it, emulated; a plain node cannot',
              ...(isStartable(ctx, file.path)
                ? []
                : ['not the entrypoint, not in PATH and not put there by the Dockerfile']),
            ],
            blameFile(ctx, file.path),
          ),
        );
      }
    }

    // A file with ELF magic that could not be read was not checked: say so, never "all clear".
    for (const file of ctx.image.files.values()) {
      if (file.type !== 'file' || file.elfError === null || file.linkTarget !== null) continue;
      if (!isExecutableFile(file.mode) && !LIBRARY_NAME.test(file.path)) continue;
      findings.push(
        finding(
          'EG101',
          'note',
          file.path,
          `${file.path} starts like an ELF file but could not be read; its interpreter, architecture and libraries were not checked`,
          [file.elfError],
          blameFile(ctx, file.path),
        ),
      );
    }

    const simulations = relevantSimulations(ctx);
    for (const { sim, file } of simulations) {
      const elf = file.elf as ElfFacts;
      const interp = sim.interpreter;
      if (sim.mode !== 'executable' || !interp || !runsOn(elf.goarch, arch.goarch)) continue;
      if (interp.status === 'incompatible') {
        findings.push(
          finding(
            'EG106',
            'error',
            sim.path,
            `The interpreter of ${sim.path} is for another architecture`,
            [`PT_INTERP ${interp.requested}`, interp.detail ?? ''],
            blameFile(ctx, sim.path),
          ),
        );
      } else if (interp.status !== 'ok') {
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
        if (cgo === '1' && staticBase) {
          findings.push(
            finding(
              'EG202',
              ruleMeta('EG202').defaultLevel,
              sim.path,
              `${sim.path} is a cgo-enabled, dynamically linked Go binary on a base without a C library or loader`,
              evidence,
              blameFile(ctx, sim.path),
            ),
          );
        } else {
          // A program nothing starts (a prebuilt for another libc shipped beside the right one,
          // say) breaks nothing yet: a warning, unless it is the entrypoint, in PATH, or the
          // Dockerfile's own.
          const startable = isStartable(ctx, sim.path);
          findings.push(
            finding(
              'EG101',
              startable ? ruleMeta('EG101').defaultLevel : 'warning',
              sim.path,
              `${sim.path} needs the ELF interpreter ${interp.requested}, which is not in the image`,
              startable
                ? evidence
                : [
                    ...evidence,
                    'not the entrypoint, not in PATH and not put there by the Dockerfile',
                  ],
              blameFile(ctx, sim.path),
            ),
          );
        }
      } else if (flavorMismatch(sim, elf)) {
        const fatal = sim.problems.filter(
          (p) =>
            (p.kind === 'symbol-unresolved' && p.fatalAtStart) ||
            p.kind === 'library-missing' ||
            p.kind === 'library-unloadable',
        );
        const symbols = sim.problems.filter(
          (p): p is SymbolUnresolved => p.kind === 'symbol-unresolved',
        );
        const programLibc = elf.libc === 'glibc-dynamic' ? 'glibc' : 'musl';
        const firstFatal = fatal[0];
        const mismatchFinding = finding(
          'EG102',
          fatal.length > 0 ? 'error' : 'warning',
          sim.path,
          fatal.length > 0
            ? `${sim.path} is linked against ${programLibc} but would run on ${sim.flavor}, which lacks symbols it needs`
            : `${sim.path} is linked against ${programLibc} but would run on ${sim.flavor}; every symbol resolves, but the ABIs differ`,
          [
            `PT_INTERP ${interp.requested} resolves to ${interp.path} (${interp.flavorEvidence})`,
            ...interp.via.map((v) => `via ${v}`),
            ...elf.libcEvidence.map((e) => `program: ${e}`),
            ...symbols
              .slice(0, 8)
              .map((s) => `Error relocating ${s.object}: ${s.symbol}: symbol not found`),
            ...(symbols.length > 8 ? [`and ${symbols.length - 8} more unresolved symbols`] : []),
          ],
          blameFile(ctx, sim.path),
        );
        const runtimeError = firstFatal ? loaderError(firstFatal, sim.flavor, sim.path) : undefined;
        findings.push(runtimeError ? { ...mismatchFinding, runtimeError } : mismatchFinding);
      }
    }

    findings.push(...problemFindings(ctx, simulations));

    if (ctx.kernelMinimum !== null) {
      for (const file of ctx.image.files.values()) {
        const tag = file.elf?.gnuAbiTagKernel;
        if (!tag || file.linkTarget !== null || compareVersions(tag, ctx.kernelMinimum) <= 0)
          continue;
        findings.push(
          finding(
            'EG107',
            ruleMeta('EG107').defaultLevel,
            file.path,
            `${file.path} needs Linux ${tag} or newer; the configured minimum is ${ctx.kernelMinimum}`,
            [`NT_GNU_ABI_TAG: Linux ${tag}`],
            blameFile(ctx, file.path),
          ),
        );
      }
    }
    return findings;
  },
};

function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

interface Pending {
  problems: LoadProblem[];
  breaks: string[];
  flavor: LoadSimulation['flavor'];
}

/** The line the loader prints when it stops, as glibc's ld.so or musl's word it. */
function loaderError(
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

/** EG103, EG104, EG105 and the undecided notes, once per object and need. */
function problemFindings(
  ctx: RuleContext,
  simulations: { sim: LoadSimulation; file: ImageFile }[],
): Finding[] {
  const arch = imageArchitecture(ctx.image.config);
  // A need that some executable's load satisfies is not reported from a library alone.
  const satisfied = new Set<string>();
  for (const { sim } of simulations) {
    if (sim.mode !== 'executable') continue;
    for (const object of sim.objects)
      if (object.neededBy) satisfied.add(`${object.neededBy}\0${object.name}`);
  }
  const pending = new Map<string, Pending>();
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

  const findings: Finding[] = [];
  for (const { problems, breaks, flavor } of pending.values()) {
    const first = problems[0];
    const object = first.object;
    const fatalSymbol =
      problems.find((p) => p.kind === 'symbol-unresolved' && p.fatalAtStart) ?? first;
    const runtimeError = loaderError(fatalSymbol, flavor, breaks[0] ?? object);
    const withError = (f: Finding): Finding =>
      runtimeError && f.level === 'error' ? { ...f, runtimeError } : f;
    const breaksLine =
      breaks.length > 0 && !(breaks.length === 1 && breaks[0] === object) ? [loadedBy(breaks)] : [];
    const blame = blameFile(ctx, object, ...breaks);
    switch (first.kind) {
      case 'library-missing': {
        const message = first.onlyInLdSoConf
          ? `${first.name}, needed by ${object}, is only in a directory /etc/ld.so.conf lists; /etc/ld.so.cache does not know it (ldconfig was not run)`
          : `${first.name}, needed by ${object}, is not found by the loader`;
        findings.push(
          withError(
            finding(
              'EG103',
              'error',
              object,
              message,
              [
                `DT_NEEDED ${first.name} of ${object}`,
                `searched: ${listSome(first.searched, 8)}`,
                ...first.skipped.map((s) => `passed over ${s.path}: ${s.reason}`),
                ...(first.onlyInLdSoConf
                  ? [
                      `${first.onlyInLdSoConf} exists, but ld.so reads only the cache, never ld.so.conf: run ldconfig after installing it`,
                    ]
                  : []),
                ...breaksLine,
              ],
              blame,
            ),
          ),
        );
        break;
      }
      case 'library-unloadable':
        findings.push(
          withError(
            finding(
              'EG103',
              'error',
              object,
              `${first.name}, needed by ${object}, resolves to ${first.path}, which the loader cannot map`,
              [`${first.path}: ${first.reason}`, ...breaksLine],
              blame,
            ),
          ),
        );
        break;
      case 'version-missing': {
        const versions = (problems as VersionMissing[]).map((p) => p.version);
        const highest = highestOfFamily(first.version, first.providerVersions);
        findings.push(
          withError(
            finding(
              'EG104',
              'error',
              object,
              `${object} needs symbol version${versions.length > 1 ? 's' : ''} ${listSome(versions)} of ${first.file}, which the image's ${first.file} does not define`,
              [
                ...versions.map(
                  (v) =>
                    `needs ${v} from ${first.file}; the image's ${first.file} (${first.provider}) ${highest ? `defines up to ${highest}` : `defines ${listSome(first.providerVersions)}`}`,
                ),
                ...breaksLine,
              ],
              blame,
            ),
          ),
        );
        break;
      }
      case 'symbol-unresolved': {
        const symbols = problems as SymbolUnresolved[];
        const fatal = symbols.some((s) => s.fatalAtStart);
        const names = symbols.map((s) => (s.version ? `${s.symbol}@${s.version}` : s.symbol));
        findings.push(
          withError(
            finding(
              'EG105',
              fatal ? 'error' : 'warning',
              object,
              fatal
                ? `${object} uses symbols that no loaded library defines: ${listSome(names)}`
                : `${object} calls functions that no loaded library defines (${listSome(names)}); it fails when one is first called`,
              [
                ...symbols
                  .slice(0, 10)
                  .map(
                    (s) =>
                      `undefined ${s.symbolType} ${s.symbol}${s.version ? ` (version ${s.version})` : ''}${s.fatalAtStart ? ', bound at start' : ', bound lazily'}`,
                  ),
                ...(symbols.length > 10 ? [`and ${symbols.length - 10} more`] : []),
                ...breaksLine,
              ],
              blame,
            ),
          ),
        );
        break;
      }
      case 'undecided':
        findings.push(
          withError(
            finding(
              'EG103',
              'note',
              object,
              `Could not check the libraries of ${object}: ${first.detail}`,
              [first.detail, ...breaksLine],
              blame,
            ),
          ),
        );
        break;
    }
  }
  return findings;
}
