/**
 * Every fact of `inspect --json` (and the other ElfFacts that readelf shows) for every real
 * ELF file gathered by scripts/ci-fixtures/20-elf-samples.sh, held against binutils' readelf
 * and `go version -m`. Any difference fails the test with the file and the fact.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { accessSync, constants, copyFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { inspectJson } from '../../src/cli/inspect.js';
import { MACHINE_DESCRIPTIONS } from '../../src/elf/constants.js';
import { formatGoBuildInfo, parseElfFile } from '../../src/elf/index.js';
import type { ElfFacts } from '../../src/elf/types.js';
import { reportSkip } from '../support/skip.js';
import { elfSamples } from './samples.js';
import {
  parseBuildLine,
  parseGoVersionM,
  parseReadelf,
  type GoVersionM,
  type ReadelfFacts,
} from './readelf-output.js';

const run = promisify(execFile);
const BIG = { maxBuffer: 1 << 30, encoding: 'utf8' as const };

/** readelf's names for DT_FLAGS and DT_FLAGS_1 bits, in bit order. */
const DF_NAMES = ['ORIGIN', 'SYMBOLIC', 'TEXTREL', 'BIND_NOW', 'STATIC_TLS'];
const DF_1_NAMES = [
  'NOW',
  'GLOBAL',
  'GROUP',
  'NODELETE',
  'LOADFLTR',
  'INITFIRST',
  'NOOPEN',
  'ORIGIN',
  'DIRECT',
  'TRANS',
  'INTERPOSE',
  'NODEFLIB',
  'NODUMP',
  'CONFALT',
  'ENDFILTEE',
  'DISPRELDNE',
  'DISPRELPND',
  'NODIRECT',
  'IGNMULDEF',
  'NOKSYMS',
  'NOHDR',
  'EDITED',
  'NORELOC',
  'SYMINTPOSE',
  'GLOBAUDIT',
  'SINGLETON',
  'STUB',
  'PIE',
  'KMOD',
  'WEAKFILTER',
  'NOCOMMON',
];
const bitNames = (value: number, names: string[]) =>
  names.filter((_, bit) => value & (2 ** bit)).sort();

/** `go version -m` for all files; non-executable files are read through executable copies. */
async function goVersions(files: string[]): Promise<Map<string, GoVersionM>> {
  const scratch = mkdtempSync(join(tmpdir(), 'elf-go-version-'));
  try {
    const alias = new Map<string, string>();
    files.forEach((file, i) => {
      try {
        accessSync(file, constants.X_OK);
        alias.set(file, file);
      } catch {
        const copy = join(scratch, `${i}-${basename(file)}`);
        copyFileSync(file, copy);
        chmodSync(copy, 0o755);
        alias.set(copy, file);
      }
    });
    const paths = [...alias.keys()];
    const out = new Map<string, GoVersionM>();
    for (let i = 0; i < paths.length; i += 200) {
      const batch = paths.slice(i, i + 200);
      const { stdout } = await run('go', ['version', '-m', ...batch], BIG).catch(
        (e: { stdout: string }) => ({ stdout: e.stdout }),
      );
      for (const [path, info] of parseGoVersionM(stdout, batch)) out.set(alias.get(path)!, info);
    }
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The libc family the outside tools show: loader and libc names, GLIBC_ versions, the ABI note. */
function expectedLibc(file: string, r: ReadelfFacts, go: GoVersionM | undefined): string {
  if (r.interpreter !== null) return /ld-musl-/.test(r.interpreter) ? 'musl' : 'glibc';
  if (r.versionNeeds.some((n) => n.versions.some((v) => v.name.startsWith('GLIBC_'))))
    return 'glibc';
  if (r.needed.some((n) => /^libc\.musl-|^libc\.so$/.test(n))) return 'musl';
  if (r.needed.includes('libc.so.6')) return 'glibc';
  if (r.needed.length > 0 || (r.type === 'DYN' && !isStaticPie(r))) return 'unknown';
  if (r.notes.some((n) => n.description.startsWith('NT_GNU_ABI_TAG'))) return 'glibc';
  if (go?.lines.includes('build\tCGO_ENABLED=0')) return 'none';
  // Static files without glibc's note: the build recipe (the file name) is the truth.
  if (/musl/.test(basename(file))) return 'musl';
  if (/c-glibc-static/.test(basename(file))) return 'glibc';
  return 'unknown';
}

function isStaticPie(r: ReadelfFacts): boolean {
  return (
    r.type === 'DYN' &&
    r.interpreter === null &&
    r.hasDynamic &&
    r.flags1Names.includes('PIE') &&
    r.soname === null
  );
}

function noteDescriptionText(detail: string): string {
  const hexBytes = detail
    .replace(/.*description data:\s*/, '')
    .trim()
    .split(/\s+/);
  return Buffer.from(hexBytes.join(''), 'hex').toString('latin1');
}

class Comparison {
  facts = 0;
  symbols = 0;
  files = 0;
  mismatches: string[] = [];
  constructor(private readonly file: string) {}
  same(what: string, ours: unknown, theirs: unknown): void {
    this.facts++;
    if (!isDeepStrictEqual(ours, theirs)) {
      this.mismatches.push(
        `${this.file}: ${what}: ours ${JSON.stringify(ours, bigintJson)} vs ${JSON.stringify(theirs, bigintJson)}`,
      );
    }
  }
}
const bigintJson = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

function compareFile(
  file: string,
  facts: ElfFacts,
  r: ReadelfFacts,
  go: GoVersionM | undefined,
  c: Comparison,
): void {
  const json = inspectJson({ path: file, facts, kernelExec: null });
  // The inspect --json contract, field by field.
  c.same('path', json.path, file);
  c.same('class', json.class, r.class);
  c.same('endianness', json.endianness, r.data);
  c.same('eMachine/machine', MACHINE_DESCRIPTIONS[json.eMachine as number], r.machine);
  c.same('type', json.type, r.type);
  c.same('interpreter', json.interpreter, r.interpreter);
  c.same('needed', json.needed, r.needed);
  c.same('rpath', json.rpath, r.rpath === null ? [] : r.rpath.split(':'));
  c.same('runpath', json.runpath, r.runpath === null ? [] : r.runpath.split(':'));
  c.same('soname', json.soname, r.soname);
  const needs: Record<string, string[]> = {};
  for (const n of r.versionNeeds)
    needs[n.file] = [...(needs[n.file] ?? []), ...n.versions.map((v) => v.name)];
  c.same('versionNeeds', json.versionNeeds, needs);
  c.same('libc', json.libc, expectedLibc(file, r, go));
  c.same('staticPie', json.staticPie, isStaticPie(r));
  const jgo = json.go as {
    version: string;
    path: string | null;
    settings: Record<string, string>;
  } | null;
  c.same('go (present)', jgo !== null, go !== undefined);
  if (jgo && go) {
    c.same('go.version', jgo.version, go.version);
    const pathLine = go.lines.find((l) => l.startsWith('path\t'));
    c.same('go.path', jgo.path, pathLine ? pathLine.slice(5) : null);
    const settings = Object.fromEntries(
      go.lines
        .filter((l) => l.startsWith('build\t'))
        .map((l) => parseBuildLine(l.slice(6)))
        .map((s) => [s.key, s.value]),
    );
    c.same('go.settings', jgo.settings, settings);
    c.same('go version -m lines', formatGoBuildInfo(facts.go!), go.lines);
  }
  c.same('error', json.error, null);

  // Further ElfFacts that readelf shows.
  c.same('osAbi', facts.osAbi, r.osAbiByte);
  c.same('eFlags', facts.eFlags, r.flags);
  c.same('entry', facts.entry, r.entry);
  c.same('segment count', facts.segments.length, r.segments.length);
  facts.segments.forEach((s, i) => {
    const t = r.segments[i];
    if (!t) return;
    const theirType = /^(LOOS|LOPROC|HIOS|HIPROC)\+|^0x/.test(t.type) ? null : t.type;
    if (theirType !== null) c.same(`segment ${i} type`, s.type, theirType);
    c.same(
      `segment ${i}`,
      [s.offset, s.vaddr, s.filesz, s.memsz, s.flags, s.align],
      [t.offset, t.vaddr, t.filesz, t.memsz, t.flags, t.align],
    );
  });
  c.same('hasDynamic', facts.hasDynamic, r.hasDynamic);
  c.same('DT_FLAGS', bitNames(facts.flags, DF_NAMES), [...r.flagNames].sort());
  c.same('DT_FLAGS_1', bitNames(facts.flags1, DF_1_NAMES), [...r.flags1Names].sort());
  const bindNow = r.bindNowTag || r.flagNames.includes('BIND_NOW');
  c.same('bindNow', facts.bindNow, bindNow);
  c.same('pie', facts.pie, r.type === 'DYN' && r.flags1Names.includes('PIE'));
  const stack = r.segments.find((s) => s.type === 'GNU_STACK');
  c.same('nx', facts.nx, stack !== undefined && !stack.flags.includes('E'));
  const relro = r.segments.some((s) => s.type === 'GNU_RELRO')
    ? bindNow
      ? 'full'
      : 'partial'
    : 'none';
  c.same('relro', facts.relro, relro);
  c.same('versionNeeds (weak flags)', facts.versionNeeds, r.versionNeeds);
  c.same(
    'versionDefinitions',
    facts.versionDefinitions,
    r.versionDefinitions.filter((d) => !d.base).map((d) => d.name),
  );
  c.symbols += r.symbols.length;
  const theirUndefined = r.symbols.filter((s) => !s.defined);
  const theirDefined = r.symbols.filter(
    (s) => s.defined && ['GLOBAL', 'WEAK', 'UNIQUE'].includes(s.bind),
  );
  const typeName = (t: string) => (t === 'GNU_IFUNC' ? 'IFUNC' : t);
  const bindName = (b: string) => (b === 'GNU_UNIQUE' ? 'UNIQUE' : b);
  c.same(
    'undefined dynamic symbols',
    facts.undefinedSymbols.map((s) => [s.name, s.version, bindName(s.binding), typeName(s.type)]),
    theirUndefined.map((s) => [s.name, s.version, s.bind, s.type]),
  );
  c.same(
    'defined dynamic symbols',
    facts.definedSymbols.map((s) => [
      s.name,
      s.version,
      s.version === null ? false : s.hidden,
      bindName(s.binding),
      typeName(s.type),
    ]),
    // readelf omits `@@VER` on the symbol that names a version definition (its name is VER).
    theirDefined.map((s) => [
      s.name,
      s.version ??
        (s.type === 'OBJECT' && r.versionDefinitions.some((d) => d.name === s.name)
          ? s.name
          : null),
      s.hidden,
      s.bind,
      s.type,
    ]),
  );
  c.same(
    'note owners',
    facts.notes.map((n) => n.owner),
    r.notes.map((n) => n.owner),
  );
  const buildIdNote = r.notes.find((n) => n.description.startsWith('NT_GNU_BUILD_ID'));
  c.same(
    'buildId',
    facts.buildId,
    buildIdNote ? buildIdNote.detail.replace('Build ID: ', '') : null,
  );
  const abiNote = r.notes.find((n) => n.description.startsWith('NT_GNU_ABI_TAG'));
  c.same(
    'gnuAbiTagKernel',
    facts.gnuAbiTagKernel,
    abiNote ? /ABI: (\S+)/.exec(abiNote.detail)![1] : null,
  );
  const goNote = r.notes.find((n) => n.owner === 'Go' && n.description.startsWith('GO BUILDID'));
  c.same('goBuildId', facts.goBuildId, goNote ? noteDescriptionText(goNote.detail) : null);
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe('ELF facts against readelf and go version -m', () => {
  it('agree on every fact of every sample file', async () => {
    const files = elfSamples();
    if (!files) {
      reportSkip('ELF outside-truth comparison', 'run scripts/ci-fixtures/20-elf-samples.sh first');
      return;
    }
    const go = await goVersions(files);
    const all = { facts: 0, files: 0, symbols: 0, mismatches: [] as string[] };
    await pool(files, 2, async (file) => {
      const { stdout } = await run(
        'readelf',
        ['-W', '-U', 'hex', '-h', '-l', '-d', '-V', '--dyn-syms', '-n', file],
        BIG,
      );
      const c = new Comparison(file);
      compareFile(file, parseElfFile(file), parseReadelf(stdout), go.get(file), c);
      all.facts += c.facts;
      all.symbols += c.symbols;
      all.files++;
      all.mismatches.push(...c.mismatches);
    });
    const goFiles = files.filter((f) => go.has(f)).length;
    process.stdout.write(
      `ELF outside truth: ${all.files} files (${goFiles} Go) compared, ${all.facts} facts (their lists of ${all.symbols} dynamic symbols among them), ${all.mismatches.length} differences\n`,
    );
    const byFact = new Map<string, number>();
    for (const m of all.mismatches) {
      const fact = m.split(': ')[1]!;
      byFact.set(fact, (byFact.get(fact) ?? 0) + 1);
    }
    expect({
      byFact: Object.fromEntries(byFact),
      first: all.mismatches.slice(0, 15).map((m) => m.slice(0, 600)),
    }).toEqual({
      byFact: {},
      first: [],
    });
    expect(all.files).toBe(files.length);
  }, 900_000);
});
