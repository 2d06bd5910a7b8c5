/**
 * parseElf: every fact of one ELF file, assembled from the container (elf-file.ts), the dynamic
 * section (dynamic.ts), the notes (notes.ts), Go build info, pclntab and the libc verdict.
 */
import type { ByteSource } from './byte-source.js';
import * as C from './constants.js';
import { readDynamicFacts } from './dynamic.js';
import { ElfFormatError } from './elf-format-error.js';
import { openElf } from './elf-file.js';
import { readGoBuildInfo } from './go-buildinfo.js';
import { goPackagesFrom, goSignalsIn, readGoFunctionNames } from './go-pclntab.js';
import { detectLibc } from './libc.js';
import { readGconvDir, readLoaderSearchPath } from './loader-paths.js';
import { readNoteFacts } from './notes.js';
import { decodeText } from './reader.js';
import type { ElfFacts, ElfType, Linkage } from './types.js';

function elfTypeName(type: number): ElfType {
  return C.ET_NAMES[type] ?? `OTHER(${type})`;
}

export interface ParseElfOptions {
  /**
   * Derive `goPackages` from every Go function name (for `inspect`). Off by default: the scan
   * needs only `goSignals`, and decoding hundreds of thousands of names costs more than the rest
   * of a Go binary's facts; `goPackages` is then null.
   */
  goPackages?: boolean;
}

/**
 * Every fact of one ELF file. Throws ElfFormatError (an InputError) naming the offset of the
 * first malformed structure; `path` is put in the message when given.
 */
export function parseElf(
  source: ByteSource,
  path?: string,
  options: ParseElfOptions = {},
): ElfFacts {
  try {
    return parseElfFacts(source, options);
  } catch (error) {
    if (error instanceof ElfFormatError && path !== undefined) throw error.withPath(path);
    throw error;
  }
}

function parseElfFacts(source: ByteSource, options: ParseElfOptions): ElfFacts {
  const { elf, header } = openElf(source);
  const names = C.machineNames(header.machine, header.class, header.little);

  const interpSeg = elf.programs.find((p) => p.type === C.PT_INTERP);
  let interpreter: string | null = null;
  if (interpSeg) {
    const region = elf.reader.region(interpSeg.offset, interpSeg.filesz, 'PT_INTERP segment');
    const end = region.bytes.indexOf(0);
    interpreter = decodeText(region.bytes.subarray(0, end < 0 ? region.length : end));
  }

  const dynamic = readDynamicFacts(elf);
  const linkage = linkageOf(
    header.type,
    interpreter !== null,
    dynamic.hasDynamic,
    dynamic.soname,
    dynamic.flags1,
  );
  const stack = elf.programs.find((p) => p.type === C.PT_GNU_STACK);
  const hasRelro = elf.programs.some((p) => p.type === C.PT_GNU_RELRO);
  const { notes, gnuAbiTagKernel, x86IsaNeeded, buildId, goBuildId } = readNoteFacts(elf);

  const go = readGoBuildInfo(elf);
  const goFunctions = go !== null || goBuildId !== null ? readGoFunctionNames(elf) : null;
  const goPackages =
    goFunctions === null || options.goPackages !== true
      ? null
      : goPackagesFrom(goFunctions.names());
  const goSignals = goFunctions === null ? null : goSignalsIn(goFunctions);

  const base = {
    interpreter,
    needed: dynamic.needed,
    linkage,
    gnuAbiTagKernel,
    versionNeeds: dynamic.versions.needs,
    go,
    goLinksCgo: goSignals?.runtimeCgo ?? null,
    isGo: go !== null || goBuildId !== null || goFunctions !== null,
  };
  const libc = detectLibc(elf, base);

  return {
    class: header.class,
    endianness: header.little ? 'little' : 'big',
    eMachine: header.machine,
    machine: names.machine,
    goarch: names.goarch,
    eFlags: header.flags,
    osAbi: header.osAbi,
    type: elfTypeName(header.type),
    entry: header.entry,
    interpreter,
    needed: dynamic.needed,
    soname: dynamic.soname,
    rpath: dynamic.rpath,
    runpath: dynamic.runpath,
    flags: dynamic.flags,
    flags1: dynamic.flags1,
    linkage,
    staticPie: linkage === 'static-pie',
    pie: header.type === C.ET_DYN && (dynamic.flags1 & C.DF_1_PIE) !== 0,
    bindNow: dynamic.bindNow,
    nx: stack !== undefined && (stack.flags & C.PF_X) === 0,
    relro: hasRelro ? (dynamic.bindNow ? 'full' : 'partial') : 'none',
    hasDynamic: dynamic.hasDynamic,
    undefinedSymbols: dynamic.undefinedSymbols,
    definedSymbols: dynamic.definedSymbols,
    versionNeeds: dynamic.versions.needs,
    versionDefinitions: dynamic.versions.definitions,
    notes,
    gnuAbiTagKernel,
    x86IsaNeeded,
    buildId,
    goBuildId,
    libc: libc.flavor,
    libcEvidence: libc.evidence,
    go,
    goPackages,
    goSignals,
    size: source.size,
    segments: elf.programs.map((p) => ({
      type: C.segmentTypeName(p.type, header.machine) ?? `0x${p.type.toString(16)}`,
      offset: p.offset,
      vaddr: p.vaddr,
      filesz: p.filesz,
      memsz: p.memsz,
      flags: `${p.flags & 4 ? 'R' : ' '}${p.flags & C.PF_W ? 'W' : ' '}${p.flags & C.PF_X ? 'E' : ' '}`,
      align: p.align,
    })),
    loaderSearchPath: readLoaderSearchPath(elf, {
      needed: dynamic.needed,
      definedSymbols: dynamic.definedSymbols,
      versionDefinitions: dynamic.versions.definitions,
    }),
    glibcGconvDir: readGconvDir(elf, dynamic.definedSymbols),
  };
}

function linkageOf(
  type: number,
  hasInterp: boolean,
  hasDynamic: boolean,
  soname: string | null,
  flags1: number,
): Linkage {
  if (type === C.ET_REL) return 'relocatable';
  if (hasInterp) return 'dynamic';
  if (type === C.ET_EXEC) return 'static';
  if (type === C.ET_DYN) {
    if (!hasDynamic) return 'other';
    if (soname === null && (flags1 & C.DF_1_PIE) !== 0) return 'static-pie';
    return 'shared-library';
  }
  return 'other';
}
