/**
 * The checks `ldd -r` makes once everything is mapped. glibc (elf/dl-version.c): each Verneed
 * version must be defined by the loaded object answering to its file name; an object without
 * any Verdef is accepted ("no version information available"). Both loaders: each undefined,
 * non-weak dynamic symbol must be defined by some object of the global scope. glibc matches a
 * versioned reference to a definition of that version or to an unversioned one (dl-lookup.c
 * `check_match`); musl ignores versions, skips hidden ones, and has no GNU_IFUNC support.
 */
import type { ElfFacts, ElfSymbol } from '../elf/types.js';
import type {
  LoadedObject,
  LoaderFlavor,
  LoadProblem,
  LoadSimulation,
  SymbolUnresolved,
} from './types.js';

export interface BindingMemo {
  /** realPath of a library -> whether its own dependency closure defines all its symbols. */
  selfSufficient: Map<string, boolean>;
  librarySimulation: (realPath: string) => LoadSimulation | null;
}

const DF_BIND_NOW = 0x8;
const DF_1_NOW = 0x1;

export function checkBinding(
  objects: LoadedObject[],
  flavor: LoaderFlavor,
  mode: 'executable' | 'library',
  memo: BindingMemo,
): LoadProblem[] {
  const problems: LoadProblem[] = flavor === 'glibc' ? checkVersions(objects) : [];
  if (mode !== 'executable') {
    problems.push(...unresolvedSymbols(objects, [objects[0]], flavor, versionedOnly));
    return problems;
  }
  const checked: LoadedObject[] = [];
  for (const [index, object] of objects.entries()) {
    if (index > 0 && isSelfSufficient(object, flavor, memo)) continue;
    checked.push(object);
  }
  problems.push(...unresolvedSymbols(objects, checked, flavor));
  return problems;
}

function checkVersions(objects: LoadedObject[]): LoadProblem[] {
  const byName = new Map<string, LoadedObject>();
  for (const object of objects) {
    for (const name of [object.name, object.elf.soname])
      if (name && !byName.has(name)) byName.set(name, object);
  }
  const problems: LoadProblem[] = [];
  for (const object of objects) {
    for (const need of object.elf.versionNeeds) {
      const provider = byName.get(need.file);
      if (!provider || provider.elf.versionDefinitions.length === 0) continue;
      for (const version of need.versions) {
        if (version.weak || provider.elf.versionDefinitions.includes(version.name)) continue;
        problems.push({
          kind: 'version-missing',
          object: object.realPath,
          file: need.file,
          version: version.name,
          provider: provider.realPath,
          providerPath: provider.path,
          providerVersions: provider.elf.versionDefinitions,
        });
      }
    }
  }
  return problems;
}

function isSelfSufficient(object: LoadedObject, flavor: LoaderFlavor, memo: BindingMemo): boolean {
  if (object.elf.linkage !== 'shared-library') return false;
  const known = memo.selfSufficient.get(object.realPath);
  if (known !== undefined) return known;
  const sim = memo.librarySimulation(object.realPath);
  const ok =
    sim !== null &&
    sim.flavor === flavor &&
    sim.notSimulated === null &&
    unresolvedSymbols(sim.objects, [sim.objects[0]], flavor).length === 0;
  memo.selfSufficient.set(object.realPath, ok);
  return ok;
}

const symbolIndexes = new WeakMap<ElfFacts, Map<string, ElfSymbol[]>>();

function symbolIndex(elf: ElfFacts): Map<string, ElfSymbol[]> {
  let index = symbolIndexes.get(elf);
  if (!index) {
    index = new Map();
    for (const symbol of elf.definedSymbols) {
      const list = index.get(symbol.name);
      if (list) list.push(symbol);
      else index.set(symbol.name, [symbol]);
    }
    symbolIndexes.set(elf, index);
  }
  return index;
}

function matches(reference: ElfSymbol, definition: ElfSymbol, flavor: LoaderFlavor): boolean {
  if (flavor === 'musl') return !definition.hidden && definition.type !== 'GNU_IFUNC';
  if (reference.version === null) return !definition.hidden;
  return definition.version === reference.version || definition.version === null;
}

/**
 * A shared library loaded by a program we cannot see (an interpreter's extension module, a
 * plugin) may take unversioned symbols from that program (a Python extension's `Py*`), so only
 * its versioned references are held against its own closure: a version names the library that
 * must define the symbol (`__strncpy_chk@GLIBC_2.3.4` is libc's, whatever program loads it).
 */
function versionedOnly(reference: ElfSymbol): boolean {
  return reference.version !== null;
}

function unresolvedSymbols(
  scope: LoadedObject[],
  checked: LoadedObject[],
  flavor: LoaderFlavor,
  consider: (reference: ElfSymbol) => boolean = () => true,
): SymbolUnresolved[] {
  const unresolved: SymbolUnresolved[] = [];
  for (const object of checked) {
    const bindNow =
      object.elf.bindNow ||
      (object.elf.flags & DF_BIND_NOW) !== 0 ||
      (object.elf.flags1 & DF_1_NOW) !== 0;
    for (const reference of object.elf.undefinedSymbols) {
      if (reference.binding === 'WEAK' || !consider(reference)) continue;
      const defined = scope.some(
        (provider) =>
          provider !== object &&
          (symbolIndex(provider.elf).get(reference.name) ?? []).some((d) =>
            matches(reference, d, flavor),
          ),
      );
      if (defined) continue;
      const dataSymbol =
        reference.type === 'OBJECT' || reference.type === 'TLS' || reference.type === 'COMMON';
      unresolved.push({
        kind: 'symbol-unresolved',
        object: object.realPath,
        symbol: reference.name,
        version: reference.version,
        symbolType: reference.type,
        fatalAtStart: flavor === 'musl' || bindNow || dataSymbol,
      });
    }
  }
  return unresolved;
}
