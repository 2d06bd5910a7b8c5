/**
 * The hostile-input harness (issue 16, "Proof"): generates seeded inputs (generators.ts), runs
 * the bundled CLI on each as a child process, as a user would, under `/usr/bin/time` (peak RSS)
 * and `strace` (every file created, written, renamed or removed), with a timeout, and counts:
 *
 * - crashes: an exit status other than 0, 1, 2, a signal, or a stack trace / "internal error";
 * - hangs: still running after HANG_SECONDS (killed);
 * - blow-ups: peak RSS over RSS_LIMIT_BYTES;
 * - writes outside the run's temporary folder.
 *
 * All must be zero. Each failure keeps its input and its command, to reproduce by hand.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  configOf,
  dockerfileOf,
  elfImage,
  hostileArchives,
  mutateElf,
  Random,
  type FuzzInput,
} from './generators.js';

export const HANG_SECONDS = 10;
export const RSS_LIMIT_BYTES = 1024 * 1024 * 1024;

export interface CampaignOptions {
  /** The bundled CLI (`dist/cli.js` or a fresh bundle). */
  cli: string;
  seed: number;
  /** Images of ELF mutants, mutants per image, archives, Dockerfiles, configs. */
  elfImages: number;
  mutantsPerImage: number;
  archives: number;
  dockerfiles: number;
  configs: number;
  /** Size of the decompression bombs (1: 2 GiB zstd, 3 GiB ELF, 80 × 16 MiB entries). */
  bombScale: number;
  /** Real ELF files the mutants start from. */
  elfSeeds: string[];
  concurrency?: number;
}

export interface Outcome {
  input: FuzzInput;
  status: number | null;
  signal: string | null;
  seconds: number;
  peakRssBytes: number;
  crash: boolean;
  hang: boolean;
  writesOutside: string[];
  stderr: string;
}

export interface CampaignReport {
  seed: number;
  inputs: Record<FuzzInput['kind'], number>;
  elfMutants: number;
  crashes: number;
  hangs: number;
  blowUps: number;
  writesOutside: number;
  peakRssBytes: number;
  slowest: { name: string; seconds: number };
  failures: Outcome[];
  /** Where the failing inputs are kept (the rest is removed). */
  workDir: string;
}

/** System calls that create, write, rename or remove files (strace's names). */
const WRITE_CALLS =
  'open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,symlink,symlinkat,link,linkat,truncate';

/** Paths a call in the strace log writes to, when it writes (opens read-only are not). */
function writtenPaths(log: string, cwd: string): string[] {
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const call = /^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)/.exec(line);
    if (!call || Number(call[3]) < 0) continue;
    const [, name, args] = call;
    if ((name === 'open' || name === 'openat') && !/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(args!))
      continue;
    for (const quoted of args!.matchAll(/"((?:[^"\\]|\\.)*)"/g))
      out.push(path.resolve(cwd, quoted[1]!));
  }
  return out;
}

/** The largest VmHWM (peak RSS) among the live processes of a process group, in bytes. */
function groupPeakRss(group: number): number {
  let peak = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // Fields after the command name (which may hold spaces): state, ppid, pgrp.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== group) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      peak = Math.max(peak, 1024 * Number(hwm?.[1] ?? 0));
    } catch {
      // Gone meanwhile.
    }
  }
  return peak;
}

function isStackTrace(stderr: string): boolean {
  return (
    /internal error|\n\s+at .+[(:]\d+|^\w*Error: /m.test(stderr) &&
    !/^exit139-guard \w+: [^\n]*\n?$/.test(stderr)
  );
}

/** Runs one input; `temp` is the only folder it may write in (its cwd and TMPDIR). */
function runOne(cli: string, input: FuzzInput, temp: string): Promise<Outcome> {
  const timeFile = path.join(temp, '.time');
  const straceFile = path.join(temp, '.strace');
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        '-o',
        timeFile,
        'strace',
        '-f',
        '-qq',
        '-e',
        `trace=${WRITE_CALLS}`,
        '-o',
        straceFile,
        process.execPath,
        cli,
        ...input.args,
      ],
      { cwd: temp, env: { PATH: process.env.PATH, TMPDIR: temp, HOME: temp }, detached: true },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 20_000) stderr += chunk.toString('utf8');
    });
    child.stdout.resume();
    let hang = false;
    let peakAtKill = 0;
    // The whole group (time, strace and node) is killed on a hang or past the RSS limit;
    // /usr/bin/time dies with it, so the peak is measured before.
    const kill = (): void => {
      peakAtKill = groupPeakRss(child.pid!);
      process.kill(-child.pid!, 'SIGKILL');
    };
    const timer = setTimeout(() => {
      hang = true;
      kill();
    }, HANG_SECONDS * 1000);
    let overLimit = false;
    const watch = setInterval(() => {
      if (groupPeakRss(child.pid!) > RSS_LIMIT_BYTES) {
        overLimit = true;
        kill();
      }
    }, 250);
    child.on('close', (exitCode, exitSignal) => {
      clearTimeout(timer);
      clearInterval(watch);
      let code = exitCode;
      let signal: string | null = exitSignal;
      const seconds = (Date.now() - started) / 1000;
      let peakRssBytes = peakAtKill;
      let log = '';
      try {
        const time = readFileSync(timeFile, 'utf8');
        peakRssBytes = Math.max(peakRssBytes, 1024 * Number(/(\d+)\s*$/.exec(time)?.[1] ?? 0));
        // time reports a signal-killed child as "Command terminated by signal N".
        const killed = /terminated by signal (\d+)/.exec(time);
        if (killed) signal = `signal ${killed[1]}`;
        const exited = /exited with non-zero status (\d+)/.exec(time);
        if (exited) code = Number(exited[1]);
        log = readFileSync(straceFile, 'utf8');
      } catch {
        // Killed before writing them: the hang says it.
      }
      const writesOutside = writtenPaths(log, temp).filter(
        (p) => !(p === temp || p.startsWith(temp + path.sep)) && p !== '/dev/null',
      );
      // Killed by the harness (a hang, the RSS limit): counted as such, not as a crash.
      const crash =
        !hang &&
        !overLimit &&
        (signal !== null || ![0, 1, 2].includes(code ?? -1) || isStackTrace(stderr));
      resolve({
        input,
        status: code,
        signal,
        seconds,
        peakRssBytes,
        crash,
        hang,
        writesOutside,
        stderr,
      });
    });
  });
}

/** Generates the inputs and runs them all; see CampaignReport. */
export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const random = new Random(options.seed);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'exit139-guard-fuzz-'));
  const inputsDir = path.join(workDir, 'inputs');
  mkdirSync(inputsDir);
  const inputs: FuzzInput[] = [];
  const seeds = options.elfSeeds.map((file) => readFileSync(file));
  let elfMutants = 0;
  for (let i = 0; i < options.elfImages; i++) {
    const mutants = Array.from({ length: options.mutantsPerImage }, () =>
      mutateElf(random.pick(seeds), random),
    );
    elfMutants += mutants.length;
    const image = elfImage(path.join(inputsDir, `elf-${i}`), mutants, random);
    inputs.push({
      kind: 'elf',
      name: `elf-${i}`,
      args: ['scan', '--archive', image, '--format', 'json'],
    });
    if (i % 4 === 0)
      inputs.push({
        kind: 'elf',
        name: `elf-${i}-inspect`,
        args: ['inspect', '--json', path.join(image, 'blobs')],
      });
  }
  for (const [name, file] of hostileArchives(
    inputsDir,
    random,
    options.archives,
    options.bombScale,
  )) {
    inputs.push({ kind: 'archive', name, args: ['scan', '--archive', file, '--format', 'sarif'] });
  }
  const small = elfImage(path.join(inputsDir, 'small'), [seeds[0]!], random);
  for (let i = 0; i < options.dockerfiles; i++) {
    const file = path.join(inputsDir, `Dockerfile-${i}`);
    writeFileSync(file, dockerfileOf(random));
    inputs.push({
      kind: 'dockerfile',
      name: `dockerfile-${i}`,
      args:
        i % 2 === 0
          ? ['stages', '--dockerfile', file, '--json']
          : ['scan', '--archive', small, '--dockerfile', file],
    });
  }
  for (let i = 0; i < options.configs; i++) {
    const file = path.join(inputsDir, `config-${i}.yml`);
    writeFileSync(file, configOf(random));
    inputs.push({
      kind: 'config',
      name: `config-${i}`,
      args: ['scan', '--archive', small, '--config', file],
    });
  }

  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const input = inputs[next++]!;
      const temp = mkdtempSync(path.join(workDir, 'run-'));
      outcomes.push(await runOne(options.cli, input, temp));
      rmSync(temp, { recursive: true, force: true });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));

  const failures = outcomes.filter(
    (o) => o.crash || o.hang || o.peakRssBytes > RSS_LIMIT_BYTES || o.writesOutside.length > 0,
  );
  const count = (kind: FuzzInput['kind']) => inputs.filter((i) => i.kind === kind).length;
  const slowest = outcomes.reduce((a, b) => (b.seconds > a.seconds ? b : a), outcomes[0]!);
  return {
    seed: options.seed,
    inputs: {
      elf: count('elf'),
      archive: count('archive'),
      dockerfile: count('dockerfile'),
      config: count('config'),
    },
    elfMutants,
    crashes: outcomes.filter((o) => o.crash).length,
    hangs: outcomes.filter((o) => o.hang).length,
    blowUps: outcomes.filter((o) => o.peakRssBytes > RSS_LIMIT_BYTES).length,
    writesOutside: outcomes.filter((o) => o.writesOutside.length > 0).length,
    peakRssBytes: Math.max(...outcomes.map((o) => o.peakRssBytes)),
    slowest: { name: slowest.input.name, seconds: slowest.seconds },
    failures,
    workDir,
  };
}

/** Removes the inputs when nothing failed; keeps them (and says where) otherwise. */
export function cleanUp(report: CampaignReport): void {
  if (report.failures.length === 0) rmSync(report.workDir, { recursive: true, force: true });
}
