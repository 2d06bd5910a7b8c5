import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeElf } from '../../src/elf/index.js';
import { openImage } from '../../src/image/open.js';
import type { ImageView } from '../../src/image/types.js';
import { simulateLoad, type LoadSimulation } from '../../src/loader/index.js';
import { dockerBuild, dockerHost, engine, ensureBaseImages, saveImage } from '../support/engine.js';

/**
 * Programs laid out to exercise each step of the search order (scenarios/loader-cases.Dockerfile):
 * RPATH inherited and RUNPATH not, $ORIGIN through a symlinked program, $LIB, $PLATFORM, a
 * DT_NEEDED path, DF_1_NODEFLIB, LD_LIBRARY_PATH from the image config; for musl, RUNPATH of
 * every object up the chain and /etc/ld-musl-x86_64.path. The truth is the image's own loader:
 * glibc's ld.so traces a started program (LD_TRACE_LOADED_OBJECTS=1, what ldd does), musl's
 * loader lists with --list.
 */
const CONTEXT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');

const GLIBC_PROGRAMS = [
  '/opt/a/bin/rpath-inherited',
  '/opt/a/bin/runpath-not-inherited',
  '/opt/a/bin/nodeflib',
  '/opt/c/dollar-lib',
  '/opt/d/dollar-platform',
  '/opt/e/needed-with-slash',
  '/opt/f/bin/env-path',
  '/opt/f/bin/symlinked-rpath',
  '/opt/v/version-missing',
  '/opt/u/symbol-missing',
];
const MUSL_PROGRAMS = [
  '/opt/m/bin/runpath-chain',
  '/opt/m/bin/runpath-first-only',
  '/opt/m/bin/path-file',
];

type Listing = Map<string, string>;

function runInImage(
  image: string,
  script: string,
  programs: string[],
): Promise<Map<string, Listing>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'docker',
      ['run', '--rm', '-i', '--network', 'none', '--entrypoint', 'sh', image, '-c', script],
      {
        env: { ...process.env, DOCKER_HOST: dockerHost() },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', () => {
      const result = new Map<string, Listing>();
      let current: Listing | null = null;
      for (const line of out.split('\n')) {
        if (line.startsWith('== ')) {
          current = new Map();
          result.set(line.slice(3), current);
          continue;
        }
        if (!current) continue;
        const mapped = /^\t(\S+) => (not found|\S+)/.exec(line);
        if (mapped) current.set(mapped[1], mapped[2]);
        const muslMissing = /^Error loading shared library (\S+): .* \(needed by /.exec(line);
        if (muslMissing) current.set(muslMissing[1], 'not found');
      }
      resolve(result);
    });
    child.stdin.end(programs.join('\n') + '\n');
  });
}

/**
 * Left out of the ldd -r comparison: programs with a library missing (neither ldd -r nor we bind
 * their symbols), and the symlinked program, for which ldd (ld.so run by hand) takes `$ORIGIN`
 * from the link's directory and misses liba.so, while the kernel-started program finds it.
 */
const MISSING_LIBRARY_PROGRAMS = [
  '/opt/a/bin/runpath-not-inherited',
  '/opt/a/bin/nodeflib',
  '/opt/e/needed-with-slash',
  '/opt/f/bin/symlinked-rpath',
];

function runText(image: string, script: string, programs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'docker',
      ['run', '--rm', '-i', '--network', 'none', '--entrypoint', 'sh', image, '-c', script],
      {
        env: { ...process.env, DOCKER_HOST: dockerHost() },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', () => resolve(out));
    child.stdin.end(programs.join('\n') + '\n');
  });
}

function ours(sim: LoadSimulation): Listing {
  const listing: Listing = new Map();
  for (const object of sim.objects.slice(1)) {
    if (object.realPath === sim.interpreter?.path && object.name === sim.interpreter.requested)
      continue;
    listing.set(
      object.name,
      object.realPath === sim.interpreter?.path ? sim.interpreter.requested : object.path,
    );
  }
  for (const problem of sim.problems) {
    if (problem.kind === 'library-missing' || problem.kind === 'library-unloadable')
      listing.set(problem.name, 'not found');
  }
  return listing;
}

async function buildAndOpen(
  target: string,
  work: string,
): Promise<{ tag: string; view: ImageView }> {
  const tag = `exit139-guard-scenario/loader-cases-${target}:test`;
  await dockerBuild(CONTEXT, { tag, dockerfile: 'loader-cases.Dockerfile', target });
  const archive = path.join(work, `${target}.tar`);
  await saveImage(tag, archive);
  return { tag, view: await openImage({ kind: 'archive', path: archive }, { analyzeElf }) };
}

describe('the search order, against the loaders themselves', () => {
  let glibc: { tag: string; view: ImageView } | null = null;
  let musl: { tag: string; view: ImageView } | null = null;

  beforeAll(async () => {
    if (!(await engine('loader search order cases'))) return;
    await ensureBaseImages(['bookworm', 'alpineLike', 'goBuilder']);
    const work = mkdtempSync(path.join(tmpdir(), 'loader-cases-'));
    try {
      glibc = await buildAndOpen('glibc', work);
      musl = await buildAndOpen('musl', work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);

  it('glibc: each program maps what LD_TRACE_LOADED_OBJECTS=1 shows, "not found" included', async () => {
    if (!glibc) return;
    const truth = await runInImage(
      glibc.tag,
      'while read -r f; do echo "== $f"; LD_TRACE_LOADED_OBJECTS=1 "$f" 2>&1; done',
      GLIBC_PROGRAMS,
    );
    for (const program of GLIBC_PROGRAMS) {
      const sim = simulateLoad(glibc.view, program);
      expect(sim).not.toBeNull();
      const theirs = truth.get(program);
      expect([program, Object.fromEntries(ours(sim as LoadSimulation))]).toEqual([
        program,
        Object.fromEntries(theirs ?? []),
      ]);
    }
    // What the cases are about, so a change in the fixture cannot hollow them out.
    expect(truth.get('/opt/a/bin/runpath-not-inherited')?.get('libb.so')).toBe('not found');
    expect(truth.get('/opt/a/bin/rpath-inherited')?.get('libb.so')).toBe(
      '/opt/a/bin/../libb/libb.so',
    );
    expect(truth.get('/opt/a/bin/nodeflib')?.get('libc.so.6')).toBe('not found');
    expect(truth.get('/opt/f/bin/env-path')?.get('libf.so')).toBe('/opt/f/lib/libf.so');
  });

  it('glibc: the versions and symbols that fail to bind are the ones ldd -r reports', async () => {
    if (!glibc) return;
    const report = await runText(
      glibc.tag,
      'while read -r f; do echo "== $f"; ldd -r "$f" 2>&1; done',
      GLIBC_PROGRAMS,
    );
    const theirs: string[] = [];
    let program = '';
    for (const line of report.split('\n')) {
      if (line.startsWith('== ')) program = line.slice(3);
      const version = /: version `([^']+)' not found \(required by (\S+)\)$/.exec(line);
      if (version) theirs.push(`${program}: ${version[1]} required by ${version[2]}`);
      const symbol = /^undefined symbol: ([^,\t]+)(?:, version (\S+))?\t\((\S+)\)$/.exec(line);
      if (symbol)
        theirs.push(`${program}: ${symbol[1]}${symbol[2] ? `@${symbol[2]}` : ''} in ${symbol[3]}`);
    }
    const ours: string[] = [];
    for (const path of GLIBC_PROGRAMS) {
      const sim = simulateLoad(glibc.view, path) as LoadSimulation;
      // ldd -r binds only what loaded; with a library missing it reports no symbols.
      if (MISSING_LIBRARY_PROGRAMS.includes(path)) continue;
      for (const p of sim.problems) {
        if (p.kind === 'version-missing')
          ours.push(`${path}: ${p.version} required by ${p.object}`);
        if (p.kind === 'symbol-unresolved')
          ours.push(`${path}: ${p.symbol}${p.version ? `@${p.version}` : ''} in ${p.object}`);
      }
    }
    expect(ours.sort()).toEqual(
      theirs.filter((t) => !MISSING_LIBRARY_PROGRAMS.some((m) => t.startsWith(`${m}:`))).sort(),
    );
    expect(theirs).toContain('/opt/v/version-missing: VERS_2 required by /opt/v/version-missing');
    expect(theirs).toContain('/opt/u/symbol-missing: nowhere in /opt/u/libmaybe.so');
  });

  it('glibc: a missing library is reported with the directories searched, in order', () => {
    if (!glibc) return;
    const sim = simulateLoad(glibc.view, '/opt/a/bin/runpath-not-inherited') as LoadSimulation;
    const missing = sim.problems.find((p) => p.kind === 'library-missing');
    expect(missing).toMatchObject({
      object: '/opt/a/lib/liba.so',
      name: 'libb.so',
      searched: [
        '/opt/f/lib',
        '/etc/ld.so.cache',
        '/lib/x86_64-linux-gnu',
        '/usr/lib/x86_64-linux-gnu',
        '/lib',
        '/usr/lib',
      ],
    });
  });

  it('musl: each program maps what ld-musl --list shows, "not found" included', async () => {
    if (!musl) return;
    const truth = await runInImage(
      musl.tag,
      'while read -r f; do echo "== $f"; /lib/ld-musl-x86_64.so.1 --list "$f" 2>&1; done',
      MUSL_PROGRAMS,
    );
    for (const program of MUSL_PROGRAMS) {
      const sim = simulateLoad(musl.view, program) as LoadSimulation;
      expect(sim.flavor).toBe('musl');
      expect([program, Object.fromEntries(ours(sim))]).toEqual([
        program,
        Object.fromEntries(truth.get(program) ?? []),
      ]);
    }
    // musl binds every symbol at load time and names each one it cannot.
    const relocating = await runText(
      musl.tag,
      'while read -r f; do echo "== $f"; /lib/ld-musl-x86_64.so.1 --list "$f" 2>&1; done',
      MUSL_PROGRAMS,
    );
    const theirs: string[] = [];
    let current = '';
    for (const line of relocating.split('\n')) {
      if (line.startsWith('== ')) current = line.slice(3);
      const match = /^Error relocating \S+: (\S+): symbol not found$/.exec(line);
      if (match) theirs.push(`${current}: ${match[1]}`);
    }
    const view = musl.view;
    const oursSymbols = MUSL_PROGRAMS.flatMap((program) =>
      (simulateLoad(view, program) as LoadSimulation).problems.flatMap((p) =>
        p.kind === 'symbol-unresolved' ? [`${program}: ${p.symbol}`] : [],
      ),
    );
    expect(oursSymbols.sort()).toEqual(theirs.sort());
    expect(theirs).toEqual(['/opt/m/bin/runpath-first-only: gb']);
    expect(truth.get('/opt/m/bin/runpath-chain')?.get('libmb.so')).toBe(
      '/opt/m/bin/../libb/libmb.so',
    );
    expect(truth.get('/opt/m/bin/runpath-first-only')?.get('libmb.so')).toBe('not found');
    expect(truth.get('/opt/m/bin/path-file')?.get('libmp.so')).toBe('/opt/mp/libmp.so');
  });
});
