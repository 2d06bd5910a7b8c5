/**
 * `exit139-guard inspect FILE... [--json]`: the facts of each ELF file, for someone debugging
 * one binary — what `readelf -ld`, `lddtree` and `go version -m` tell, in one place. The JSON
 * shape is a contract (DESIGN.md): fields may be added, never renamed.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from './args.js';
import type { Command, CommandIO } from './command.js';
import { InputError, UsageError } from '../errors.js';
import { checkInputPath } from '../input-files.js';
import { closeSync, openSync } from 'node:fs';
import {
  ElfFormatError,
  fileDescriptorSource,
  formatGoBuildInfo,
  parseElfFile,
} from '../elf/index.js';
import { kernelExecVerdict, type KernelExecVerdict } from '../elf/kernel-exec.js';
import { MACHINE_DESCRIPTIONS } from '../elf/constants.js';
import type { ElfFacts, LibcFlavor } from '../elf/types.js';

const USAGE = `Usage: exit139-guard inspect FILE... [--json]

Prints the facts of each ELF file: class, machine, type, interpreter, needed libraries with the
symbol versions they must provide, RPATH/RUNPATH, SONAME, libc flavour, hardening, notes, and Go
build information as \`go version -m\` prints it.

Options:
  --json   print {"files":[...]} (the README's "The JSON report")
Exit status: 0 all files read, 2 a file is missing, not ELF or malformed (the others are printed).`;

/**
 * `kernelExec`: what the kernel does on execve of the file (as `scan` judges it, EG110), also
 * for a file the fact parser cannot read; null when it runs or is no ELF file at all.
 */
type InspectResult = { path: string; kernelExec: KernelExecVerdict | null } & (
  { facts: ElfFacts } | { error: string }
);

function kernelVerdictOf(path: string): KernelExecVerdict | null {
  const fd = openSync(path, 'r');
  try {
    const source = fileDescriptorSource(fd);
    const magic = source.read(0, 4);
    const isElf =
      magic.length === 4 &&
      magic[0] === 0x7f &&
      magic[1] === 0x45 &&
      magic[2] === 0x4c &&
      magic[3] === 0x46;
    return isElf ? kernelExecVerdict(source) : null;
  } finally {
    closeSync(fd);
  }
}

function inspectFile(path: string): InspectResult {
  if (!existsSync(path)) return { path, kernelExec: null, error: `${path}: no such file` };
  try {
    // A FIFO or device is refused before any open, as for every file an input names.
    checkInputPath(path, { what: 'the file', kind: 'file' });
  } catch (error) {
    if (error instanceof InputError)
      return { path, kernelExec: null, error: error.message.replace(/^the file /, '') };
    throw error;
  }
  try {
    const kernelExec = kernelVerdictOf(path);
    try {
      return { path, kernelExec, facts: parseElfFile(path, { goPackages: true }) };
    } catch (error) {
      if (error instanceof ElfFormatError) return { path, kernelExec, error: error.message };
      throw error;
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error)
      return { path, kernelExec: null, error: `${path}: ${error.message}` };
    throw error;
  }
}

function libcFamily(flavor: LibcFlavor): 'glibc' | 'musl' | 'none' | 'unknown' {
  if (flavor.startsWith('glibc')) return 'glibc';
  if (flavor.startsWith('musl')) return 'musl';
  return flavor === 'none' ? 'none' : 'unknown';
}

/** One entry of the `--json` output: the contract's fields first, then extensions. */
export function inspectJson(result: InspectResult): Record<string, unknown> {
  if ('error' in result) {
    return {
      path: result.path,
      class: null,
      endianness: null,
      eMachine: null,
      machine: null,
      type: null,
      interpreter: null,
      needed: null,
      rpath: null,
      runpath: null,
      soname: null,
      versionNeeds: null,
      libc: null,
      staticPie: null,
      go: null,
      error: result.error,
      kernelExec: result.kernelExec,
    };
  }
  const f = result.facts;
  const versionNeeds: Record<string, string[]> = {};
  for (const need of f.versionNeeds) {
    versionNeeds[need.file] = [
      ...(versionNeeds[need.file] ?? []),
      ...need.versions.map((v) => v.name),
    ];
  }
  return {
    path: result.path,
    class: f.class,
    endianness: f.endianness,
    eMachine: f.eMachine,
    machine: f.machine,
    type: f.type,
    interpreter: f.interpreter,
    needed: f.needed,
    rpath: f.rpath,
    runpath: f.runpath,
    soname: f.soname,
    versionNeeds,
    libc: libcFamily(f.libc),
    staticPie: f.staticPie,
    go: f.go && {
      version: f.go.version,
      path: f.go.path,
      settings: Object.fromEntries(f.go.settings.map((s) => [s.key, s.value])),
      main: f.go.main,
      deps: f.go.deps,
    },
    error: null,
    goarch: f.goarch,
    osAbi: f.osAbi,
    eFlags: f.eFlags,
    linkage: f.linkage,
    libcFlavor: f.libc,
    libcEvidence: f.libcEvidence,
    pie: f.pie,
    nx: f.nx,
    relro: f.relro,
    bindNow: f.bindNow,
    flags: f.flags,
    flags1: f.flags1,
    versionDefinitions: f.versionDefinitions,
    gnuAbiTagKernel: f.gnuAbiTagKernel,
    buildId: f.buildId,
    goBuildId: f.goBuildId,
    goPackages: f.goPackages,
    goSignals: f.goSignals,
    x86IsaNeeded: f.x86IsaNeeded,
    kernelExec: result.kernelExec,
  };
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** The readable form: a readelf -h/-l/-d digest, the needed list with versions, go version -m. */
export function inspectText(result: {
  path: string;
  facts: ElfFacts;
  kernelExec: KernelExecVerdict | null;
}): string {
  const f = result.facts;
  const lines: string[] = [`${result.path}:`];
  const description = MACHINE_DESCRIPTIONS[f.eMachine] ?? `e_machine ${f.eMachine}`;
  lines.push(
    `  ELF${f.class} ${f.endianness}-endian ${f.machine} (${description}), ${f.type}, OS/ABI ${f.osAbi}, flags ${hex(f.eFlags)}, entry 0x${f.entry.toString(16)}`,
  );
  // The OCI platform's architecture name (GOARCH's values) for every ELF, not only Go's.
  lines.push(`  linkage: ${f.linkage}${f.goarch ? `, image architecture ${f.goarch}` : ''}`);
  lines.push(`  libc: ${f.libc}${f.libcEvidence.length ? ` (${f.libcEvidence.join('; ')})` : ''}`);
  lines.push('  program headers:');
  lines.push('    Type           Offset     VirtAddr           FileSiz    MemSiz     Flg Align');
  for (const s of f.segments) {
    lines.push(
      `    ${s.type.padEnd(14)} ${hex(s.offset).padEnd(10)} ${hex(s.vaddr).padEnd(18)} ${hex(s.filesz).padEnd(10)} ${hex(s.memsz).padEnd(10)} ${s.flags} ${hex(s.align)}`,
    );
  }
  if (f.interpreter !== null) lines.push(`  interpreter: ${f.interpreter}`);
  if (f.soname !== null) lines.push(`  soname: ${f.soname}`);
  if (f.rpath.length) lines.push(`  rpath: ${f.rpath.join(':')}`);
  if (f.runpath.length) lines.push(`  runpath: ${f.runpath.join(':')}`);
  if (f.needed.length) {
    lines.push('  needed:');
    for (const name of f.needed) {
      const versions = f.versionNeeds.filter((n) => n.file === name).flatMap((n) => n.versions);
      const list = versions.map((v) => (v.weak ? `${v.name} (weak)` : v.name)).join(', ');
      lines.push(`    ${name}${list ? ` => ${list}` : ''}`);
    }
  }
  if (f.versionDefinitions.length)
    lines.push(`  version definitions: ${f.versionDefinitions.join(' ')}`);
  if (f.hasDynamic) {
    lines.push(
      `  dynamic symbols: ${f.undefinedSymbols.length} undefined, ${f.definedSymbols.length} defined`,
    );
  }
  lines.push(
    `  hardening: PIE ${f.pie ? 'yes' : 'no'}, NX ${f.nx ? 'yes' : 'no'}, RELRO ${f.relro}, BIND_NOW ${f.bindNow ? 'yes' : 'no'}`,
  );
  if (result.kernelExec !== null)
    lines.push(`  kernel: execve ${result.kernelExec.failure}: ${result.kernelExec.reason}`);
  if (f.gnuAbiTagKernel !== null) lines.push(`  GNU ABI tag: Linux ${f.gnuAbiTagKernel}`);
  if (f.buildId !== null) lines.push(`  build id: ${f.buildId}`);
  if (f.goBuildId !== null) lines.push(`  Go build id: ${f.goBuildId}`);
  if (f.go) {
    lines.push(`  ${result.path}: ${f.go.version}`);
    for (const line of formatGoBuildInfo(f.go)) lines.push(`  \t${line}`);
  }
  if (f.goPackages) lines.push(`  Go packages: ${f.goPackages.length}`);
  if (f.goSignals) {
    const on = Object.entries(f.goSignals)
      .filter(([, v]) => v)
      .map(([k]) => k);
    lines.push(`  Go run-time needs: ${on.length ? on.join(', ') : 'none'}`);
  }
  return lines.join('\n') + '\n';
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const { flags, positionals: paths } = parseArgs(
    args,
    [{ names: ['--json'], key: 'json', kind: 'flag' }],
    { positionals: true },
  );
  const json = flags.json === true;
  if (paths.length === 0) throw new UsageError('no FILE given');
  const results = paths.map(inspectFile);
  if (json) io.stdout(JSON.stringify({ files: results.map(inspectJson) }, null, 2) + '\n');
  else io.stdout(results.flatMap((r) => ('error' in r ? [] : [inspectText(r)])).join('\n'));
  const failed = results.filter((r) => 'error' in r);
  for (const r of failed) {
    if (json || !('error' in r)) continue;
    io.stderr(`exit139-guard inspect: ${r.error}\n`);
    if (r.kernelExec !== null)
      io.stderr(
        `exit139-guard inspect: ${r.path}: the kernel's execve: ${r.kernelExec.failure}: ${r.kernelExec.reason}\n`,
      );
  }
  return failed.length > 0 ? 2 : 0;
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'print the ELF, loader and Go build facts of binaries',
  usage: USAGE,
  run,
};
