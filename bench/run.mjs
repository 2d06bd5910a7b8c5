// Benchmark of `exit139-guard scan` on the 1.2 GB image that bench/build-image.sh builds, against
// the by-hand way (bench/by-hand.sh), the floor of reading the archive once, and the engine's own
// `docker save`. Runs alternate (round 1: each measurement once, round 2: again, ...) so a burst
// of load from the other users of the machine hits all measurements alike; the median is
// reported. Peak RSS and CPU come from `/usr/bin/time -v`. Writes bench/RESULTS.md (figures) and
// $BENCH_CACHE/work/results.json (every run).
//   node bench/run.mjs [--rounds N] [--only id,id] [--cli DIR] [--no-profile] [--render]
//   node bench/run.mjs --reprofile --cli DIR   # only the profiles again, into the last results
// --cli DIR uses DIR/cli.js; by default the committed HEAD is bundled into a temporary dir.
// This is a script and a report, never a test: nothing here passes or fails.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summariseCpuProfiles } from './profile-summary.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.dirname(benchDir);
const cache = process.env.BENCH_CACHE ?? '/var/cache/exit139-guard/bench';
const work = path.join(cache, 'work');
const dockerHost = process.env.DOCKER_HOST ?? 'unix:///run/exit139-guard-docker/docker.sock';
const env = { ...process.env, DOCKER_HOST: dockerHost, LC_ALL: 'C' };

const archives = {
  full: path.join(cache, 'debian-big.tar'),
  l2: path.join(cache, 'debian-big-l2.tar'),
  l1: path.join(cache, 'debian-big-l1.tar'),
  ociGzip: path.join(cache, 'debian-big-oci-gzip.tar'),
  ociZstd: path.join(cache, 'debian-big-oci-zstd.tar'),
};
const imageTag = 'exit139-guard-bench/debian-big:1';
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

const args = parseArgs(process.argv.slice(2));
mkdirSync(work, { recursive: true });
for (const file of Object.values(archives)) {
  if (!existsSync(file)) fail(`${file} is missing: run bench/build-image.sh first`);
}

const q = (words) => words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
// The commit the measured CLI was bundled from (others commit while the benchmark runs).
let bundledCommit = `unknown (--cli ${args.cli})`;
// --render rewrites RESULTS.md from the last results.json (after editing bench/NOTES.md).
const saved =
  args.render || args.reprofile
    ? JSON.parse(readFileSync(path.join(work, 'results.json'), 'utf8'))
    : null;
const cli =
  saved && !args.reprofile ? '(render only)' : path.join(args.cli ?? bundleCli(), 'cli.js');
const scanHelp = saved ? null : run('node', [cli, 'scan', '--help']);
const scanExists =
  saved !== null || (scanHelp.status === 0 && /--archive/.test(scanHelp.stdout + scanHelp.stderr));
const scanHasProfile = !saved && scanExists && /--profile/.test(scanHelp.stdout + scanHelp.stderr);

const scanArgs = (source, out) => [
  'node',
  cli,
  'scan',
  ...source,
  '--format',
  'json',
  '--output',
  out,
  '--fail-on',
  'never',
];
const byHandDir = path.join(work, 'by-hand');

const measurements = [
  {
    id: 'scan-archive',
    what: 'exit139-guard scan --archive (1.2 GB, 3 layers)',
    needsScan: true,
    report: path.join(work, 'scan-full.json'),
    command: q(scanArgs(['--archive', archives.full], path.join(work, 'scan-full.json'))),
  },
  {
    id: 'by-hand',
    what: 'by hand: tar -x archive and every layer, scanelf -R',
    before: () => rmSync(byHandDir, { recursive: true, force: true }),
    command: q([path.join(benchDir, 'by-hand.sh'), archives.full, byHandDir]),
  },
  {
    id: 'cat',
    what: 'cat archive > /dev/null (the floor)',
    command: `cat ${q([archives.full])} > /dev/null`,
  },
  {
    id: 'scan-image',
    // Its warm-up is docker-save's: both read the same layer files of the engine's store, and a
    // run of this one costs minutes while the exit lag described in RESULTS.md lasts.
    skipWarmUp: true,
    what: `exit139-guard scan --image ${imageTag} (engine)`,
    needsScan: true,
    report: path.join(work, 'scan-image.json'),
    command: q(scanArgs(['--image', imageTag], path.join(work, 'scan-image.json'))),
  },
  {
    id: 'docker-save',
    what: `docker save ${imageTag} > /dev/null (the engine's own export)`,
    command: `docker save ${q([imageTag])} > /dev/null`,
  },
  {
    id: 'scan-l2',
    what: 'exit139-guard scan --archive, layers 1–2 (two thirds)',
    needsScan: true,
    report: path.join(work, 'scan-l2.json'),
    command: q(scanArgs(['--archive', archives.l2], path.join(work, 'scan-l2.json'))),
  },
  {
    id: 'scan-l1',
    what: 'exit139-guard scan --archive, layer 1 (a third)',
    needsScan: true,
    report: path.join(work, 'scan-l1.json'),
    command: q(scanArgs(['--archive', archives.l1], path.join(work, 'scan-l1.json'))),
  },
  ...['Gzip', 'Zstd'].flatMap((format) => {
    const key = `oci${format}`;
    const name = format.toLowerCase();
    const dir = path.join(work, `by-hand-oci-${name}`);
    return [
      {
        id: `scan-oci-${name}`,
        what: `exit139-guard scan --archive, OCI archive with ${name} layers`,
        archive: key,
        needsScan: true,
        report: path.join(work, `scan-oci-${name}.json`),
        command: q(
          scanArgs(['--archive', archives[key]], path.join(work, `scan-oci-${name}.json`)),
        ),
      },
      {
        id: `by-hand-oci-${name}`,
        what: `by hand, OCI archive with ${name} layers (tar -xf detects the compression)`,
        archive: key,
        before: () => rmSync(dir, { recursive: true, force: true }),
        after: () => rmSync(dir, { recursive: true, force: true }),
        command: q([path.join(benchDir, 'by-hand.sh'), archives[key], dir]),
      },
    ];
  }),
].filter(
  (m) =>
    (!m.needsScan || scanExists) &&
    (!args.only || args.only.includes(m.id)) &&
    (!saved || m.id in saved.results),
);

if (saved && args.reprofile) {
  saved.profiles = [
    profileScan('the docker-save archive', archives.full),
    profileScan('the OCI archive with zstd layers', archives.ociZstd),
  ];
  writeFileSync(path.join(work, 'results.json'), JSON.stringify(saved, null, 2));
}
if (saved) {
  writeFileSync(path.join(benchDir, 'RESULTS.md'), renderResults(saved));
  log(`rewrote ${path.join(benchDir, 'RESULTS.md')} from ${path.join(work, 'results.json')}`);
  process.exit(0);
}

const machine = describeMachine();
const results = Object.fromEntries(measurements.map((m) => [m.id, []]));

log(
  `cli: ${cli} (scan ${scanExists ? 'present' : 'absent'}${scanHasProfile ? ', --profile' : ''})`,
);
log('warm-up: one untimed run of each measurement (page cache filled, engine layers read once)');
for (const m of measurements) if (!m.skipWarmUp) measure(m);
for (let round = 1; round <= args.rounds; round++) {
  for (const m of measurements) {
    const r = measure(m);
    results[m.id].push(r);
    log(
      `round ${round} ${m.id}: ${r.wallS.toFixed(2)} s, ${mib(r.maxRssKiB)} MiB, load ${r.loadBefore}`,
    );
  }
}
rmSync(byHandDir, { recursive: true, force: true });

const counts = countImage(archives.full);
const reports = readScanReports();
const profiles =
  scanExists && !args.noProfile
    ? [
        profileScan('the docker-save archive', archives.full),
        profileScan('the OCI archive with zstd layers', archives.ociZstd),
      ]
    : [];
const toolProfile = scanHasProfile ? runToolProfile() : null;

const everything = {
  date: new Date().toISOString(),
  rounds: args.rounds,
  commit: bundledCommit,
  machine,
  archives: Object.fromEntries(Object.entries(archives).map(([k, f]) => [k, statSync(f).size])),
  counts,
  reports,
  results,
  profiles,
  toolProfile,
};
writeFileSync(path.join(work, 'results.json'), JSON.stringify(everything, null, 2));
writeFileSync(path.join(benchDir, 'RESULTS.md'), renderResults(everything));
log(`wrote ${path.join(benchDir, 'RESULTS.md')} and ${path.join(work, 'results.json')}`);

function parseArgs(argv) {
  const out = {
    rounds: 3,
    only: null,
    cli: null,
    noProfile: false,
    render: false,
    reprofile: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') out.rounds = Number(argv[++i]);
    else if (a === '--only') out.only = argv[++i].split(',');
    else if (a === '--cli') out.cli = path.resolve(argv[++i]);
    else if (a === '--no-profile') out.noProfile = true;
    else if (a === '--render') out.render = true;
    else if (a === '--reprofile') out.reprofile = true;
    else fail(`unknown argument ${a}`);
  }
  if (!Number.isInteger(out.rounds) || out.rounds < 1) fail('--rounds takes a positive integer');
  return out;
}

function fail(message) {
  console.error(`bench/run.mjs: ${message}`);
  process.exit(2);
}

function log(message) {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function run(cmd, argv, options = {}) {
  return spawnSync(cmd, argv, { encoding: 'utf8', env, maxBuffer: 64 << 20, ...options });
}

function git(argv) {
  return execFileSync('git', argv, { cwd: repoDir, encoding: 'utf8' }).trim();
}

// Bundles the committed HEAD (not the shared working tree, where others' edits are in flight)
// from a `git archive` export that borrows the checkout's node_modules.
function bundleCli() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-bench-dist-'));
  const source = path.join(dir, 'source');
  mkdirSync(source);
  bundledCommit = git(['rev-parse', 'HEAD']);
  const archive = `git archive ${bundledCommit} src scripts package.json`;
  execFileSync('bash', ['-c', `${archive} | tar -x -C ${q([source])}`], { cwd: repoDir });
  symlinkSync(path.join(repoDir, 'node_modules'), path.join(source, 'node_modules'));
  execFileSync('node', ['scripts/bundle.mjs', dir], { cwd: source, stdio: 'inherit' });
  return dir;
}

function mib(kib) {
  return (kib / 1024).toFixed(0);
}

// Busy CPU time of the whole machine, to tell how much other load ran beside a measurement.
function cpuTicks() {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = fields[3] + fields[4];
  return { total, busy: total - idle };
}

function measure(m) {
  m.before?.();
  if (m.report) rmSync(m.report, { force: true });
  const timeFile = path.join(work, 'time.txt');
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const ticks0 = cpuTicks();
  const proc = run('/usr/bin/time', ['-v', '-o', timeFile, 'bash', '-c', m.command]);
  const ticks1 = cpuTicks();
  m.after?.();
  const time = readFileSync(timeFile, 'utf8');
  const field = (label) => {
    const line = time.split('\n').find((l) => l.trim().startsWith(label));
    if (!line) fail(`no "${label}" in /usr/bin/time output for ${m.id}:\n${time}`);
    return line.slice(line.lastIndexOf(': ') + 2).trim();
  };
  const status = Number(field('Exit status'));
  if (status !== 0) {
    fail(
      `${m.id} exited ${status}:\n${m.command}\n${proc.stdout.slice(-2000)}${proc.stderr.slice(-4000)}`,
    );
  }
  const wall = field('Elapsed (wall clock) time')
    .split(':')
    .reduce((acc, part) => acc * 60 + Number(part), 0);
  const userS = Number(field('User time (seconds)'));
  const sysS = Number(field('System time (seconds)'));
  const machineBusyCores =
    ((ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total)) * os.cpus().length;
  // The scan's own clock (summary.durationMs: open to report), to tell the work apart from any
  // time the process spends before it starts or after the report is written.
  const durationS = m.report
    ? JSON.parse(readFileSync(m.report, 'utf8')).summary.durationMs / 1000
    : null;
  return {
    wallS: wall,
    durationS,
    userS,
    sysS,
    maxRssKiB: Number(field('Maximum resident set size (kbytes)')),
    loadBefore,
    // Cores busy with other work during the run: the machine's busy cores minus ours.
    otherCores: Math.max(0, machineBusyCores - (userS + sysS) / wall),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function describeMachine() {
  const sh = (cmd) => run('bash', ['-c', cmd]).stdout.trim();
  return {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    node: process.version,
    disk: sh(`df -h --output=source,fstype,size,avail ${q([cache])} | tail -1`),
    diskRotational: sh(`lsblk -dno NAME,ROTA,SIZE 2>/dev/null | head -3 | tr '\\n' ';'`),
    docker: sh('docker version --format "{{.Server.Version}}" 2>/dev/null'),
    storageDriver: sh('docker info --format "{{.Driver}}" 2>/dev/null'),
  };
}

// Our own count of the image's regular files and ELF files, to check the scan's summary against:
// extract every layer in order (as the by-hand way does), then read each regular file's first
// four bytes. Hard links count once per path, as the JSON contract's `files` does.
function countImage(archive) {
  const dir = path.join(work, 'count');
  rmSync(dir, { recursive: true, force: true });
  execFileSync(path.join(benchDir, 'by-hand.sh'), [archive, dir], { env });
  let regularFiles = 0;
  let elfFiles = 0;
  const magic = Buffer.alloc(4);
  const pending = [path.join(dir, 'rootfs')];
  while (pending.length > 0) {
    const current = pending.pop();
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      if (!entry.isFile()) continue;
      regularFiles++;
      const fd = openSync(full, 'r');
      const n = readSync(fd, magic, 0, 4, 0);
      closeSync(fd);
      if (n === 4 && magic.equals(ELF_MAGIC)) elfFiles++;
    }
  }
  const scanelfLines = readFileSync(path.join(dir, 'scanelf.txt'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'archive', 'manifest.json'), 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  return {
    regularFiles,
    elfFiles,
    elfFilesByScanelf: scanelfLines.length,
    layers: manifest[0].Layers.length,
  };
}

function readScanReports() {
  const out = {};
  for (const [id, file] of [
    ['scan-archive', 'scan-full.json'],
    ['scan-image', 'scan-image.json'],
    ['scan-l2', 'scan-l2.json'],
    ['scan-l1', 'scan-l1.json'],
    ['scan-oci-gzip', 'scan-oci-gzip.json'],
    ['scan-oci-zstd', 'scan-oci-zstd.json'],
  ]) {
    const p = path.join(work, file);
    if (!existsSync(p)) continue;
    const report = JSON.parse(readFileSync(p, 'utf8'));
    const byRule = {};
    for (const f of report.findings ?? []) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
    out[id] = { summary: report.summary, findingsByRule: byRule };
  }
  return out;
}

// One extra run under node's sampling profiler; the samples are attributed to the source module
// that esbuild's bundle marks with `// src/...` comments (see bench/profile-summary.mjs).
function profileScan(label, archive) {
  const dir = path.join(work, 'cpu-prof');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  log(`profile: one run of scan --archive ${archive} under node --cpu-prof`);
  const argv = scanArgs(['--archive', archive], path.join(work, 'scan-prof.json'));
  const started = process.hrtime.bigint();
  const proc = run(argv[0], ['--cpu-prof', '--cpu-prof-dir', dir, ...argv.slice(1)]);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (proc.status !== 0) fail(`profiled scan exited ${proc.status}: ${proc.stderr.slice(-2000)}`);
  const files = readdirSync(dir).map((f) => path.join(dir, f));
  return { label, wallMs, ...summariseCpuProfiles(files, cli) };
}

function runToolProfile() {
  log('profile: one run of scan --archive --profile');
  const argv = scanArgs(['--archive', archives.full], path.join(work, 'scan-toolprof.json'));
  const proc = run(argv[0], [...argv.slice(1), '--profile']);
  if (proc.status !== 0) return { error: proc.stderr.slice(-2000) };
  return { output: (proc.stderr + proc.stdout).trim() };
}

function renderResults(all) {
  const row = (id) => {
    const runs = all.results[id];
    if (!runs?.length) return null;
    return {
      wallS: median(runs.map((r) => r.wallS)),
      cpuS: median(runs.map((r) => r.userS + r.sysS)),
      durationS: runs[0].durationS == null ? null : median(runs.map((r) => r.durationS)),
      rssMiB: median(runs.map((r) => r.maxRssKiB)) / 1024,
      peakRssMiB: Math.max(...runs.map((r) => r.maxRssKiB)) / 1024,
      runs,
    };
  };
  const rows = Object.fromEntries(Object.keys(all.results).map((id) => [id, row(id)]));
  const f2 = (x) => (x == null ? '—' : x.toFixed(2));
  const lines = [];
  const push = (...l) => lines.push(...l);

  push(
    '# Benchmark results',
    '',
    `Generated by \`node bench/run.mjs --rounds ${all.rounds ?? args.rounds}\` on ${all.date} at commit ` +
      `\`${all.commit.slice(0, 12)}\`; the image is built by \`bench/build-image.sh\`. ` +
      'Figures are medians of the timed runs; runs alternate between measurements; one untimed ' +
      'warm-up run of each came first (for the engine scan, the warm-up of `docker save`, which ' +
      'reads the same layer files), so **every run is warm**: the archives (2.3 GB in all) sit ' +
      "in the page cache (24 GB of RAM), and so does the engine's layer store.",
    '',
    '## Machine',
    '',
    `- ${all.machine.nproc} cores (${all.machine.cpu}), ${all.machine.memGiB} GiB RAM, kernel ${all.machine.kernel}`,
    `- disk: ${all.machine.disk} (lsblk NAME ROTA SIZE: ${all.machine.diskRotational})`,
    `- node ${all.machine.node}; Docker Engine ${all.machine.docker} (${all.machine.storageDriver})`,
    '- shared with other engineers: the load average before each run and the cores other ' +
      "processes kept busy during it (machine busy cores minus the run's own CPU/wall) are in " +
      'the per-run table below (for the engine measurements this includes dockerd exporting the ' +
      'image, about one core).',
    '',
    '## The image',
    '',
    `- docker-save archive: ${(all.archives.full / 1e9).toFixed(3)} GB (${all.archives.full} bytes), ` +
      `${all.counts.layers} uncompressed layers (Docker 20.10's save does not compress)`,
    `- two-thirds and one-third archives (the image at layer 2 and layer 1): ` +
      `${(all.archives.l2 / 1e9).toFixed(3)} GB and ${(all.archives.l1 / 1e9).toFixed(3)} GB`,
    ...(all.archives.ociGzip
      ? [
          `- the full image as OCI archives (\`skopeo copy --dest-compress-format\`): gzip ` +
            `${(all.archives.ociGzip / 1e9).toFixed(3)} GB, zstd ${(all.archives.ociZstd / 1e9).toFixed(3)} GB`,
        ]
      : []),
    `- regular files in the merged filesystem (\`find -type f\` after extracting every layer, ` +
      `hard links counted per path): ${all.counts.regularFiles}`,
    `- ELF files: ${all.counts.elfFiles} regular files starting with \\x7fELF; ` +
      `${all.counts.elfFilesByScanelf} lines of \`scanelf -R -y\` (which skips symlinks)`,
  );
  for (const [id, rep] of Object.entries(all.reports)) {
    push(
      `- \`${id}\` report: summary.files ${rep.summary?.files}, summary.elfFiles ` +
        `${rep.summary?.elfFiles}, durationMs ${rep.summary?.durationMs}; findings by rule ` +
        `${JSON.stringify(rep.findingsByRule)}`,
    );
  }

  push(
    '',
    '## Figures (medians)',
    '',
    "| measurement | wall s | scan's own durationMs, s | CPU s (user+sys) | peak RSS MiB (median / max) | GB/s |",
    '|---|---|---|---|---|---|',
  );
  for (const m of measurements) {
    const r = rows[m.id];
    const size =
      all.archives[m.archive ?? (m.id === 'scan-l1' ? 'l1' : m.id === 'scan-l2' ? 'l2' : 'full')];
    push(
      `| ${m.what} | ${f2(r.wallS)} | ${f2(r.durationS)} | ${f2(r.cpuS)} | ${r.rssMiB.toFixed(0)} / ${r.peakRssMiB.toFixed(0)} | ${(size / 1e9 / r.wallS).toFixed(2)} |`,
    );
  }
  push(
    '',
    "Peak RSS is `/usr/bin/time -v`'s maximum resident set size: of the largest single process " +
      'of the command (for pipelines and the by-hand script, the largest of tar/scanelf/jq; for ' +
      "`docker save` the CLI only, the daemon's work is not in it).",
  );

  push('', '## Goals', '', '| goal | measured | target | met |', '|---|---|---|---|');
  const goal = (name, measured, target, met) =>
    push(`| ${name} | ${measured} | ${target} | ${met == null ? '—' : met ? 'yes' : '**no**'} |`);
  const sa = rows['scan-archive'];
  const bh = rows['by-hand'];
  const si = rows['scan-image'];
  const ds = rows['docker-save'];
  const ct = rows.cat;
  if (sa && bh)
    goal(
      'archive scan / by-hand way',
      `${f2(sa.wallS)} s / ${f2(bh.wallS)} s = ${(sa.wallS / bh.wallS).toFixed(3)}×`,
      '≤ 0.15×',
      sa.wallS / bh.wallS <= 0.15,
    );
  for (const name of ['gzip', 'zstd']) {
    const scanRow = rows[`scan-oci-${name}`];
    const handRow = rows[`by-hand-oci-${name}`];
    if (scanRow && handRow)
      goal(
        `(context) OCI ${name} archive scan / by hand`,
        `${f2(scanRow.wallS)} s / ${f2(handRow.wallS)} s = ${(scanRow.wallS / handRow.wallS).toFixed(3)}×`,
        '≤ 0.15×',
        scanRow.wallS / handRow.wallS <= 0.15,
      );
    if (scanRow)
      goal(
        `(context) peak RSS, OCI ${name} archive scan`,
        `${scanRow.peakRssMiB.toFixed(0)} MiB`,
        '≤ 256 MiB',
        scanRow.peakRssMiB <= 256,
      );
  }
  if (sa)
    goal(
      'peak RSS, archive scan',
      `${sa.peakRssMiB.toFixed(0)} MiB`,
      '≤ 256 MiB',
      sa.peakRssMiB <= 256,
    );
  if (si)
    goal(
      'peak RSS, engine scan',
      `${si.peakRssMiB.toFixed(0)} MiB`,
      '≤ 256 MiB',
      si.peakRssMiB <= 256,
    );
  if (si && ds)
    goal(
      'engine scan / docker save',
      `${f2(si.wallS)} s / ${f2(ds.wallS)} s = ${(si.wallS / ds.wallS).toFixed(2)}×`,
      '≤ 1.15×',
      si.wallS / ds.wallS <= 1.15,
    );
  if (si && ds && si.durationS != null && si.wallS - si.durationS > 1)
    goal(
      '(context) engine scan by its own clock / docker save',
      `${f2(si.durationS)} s / ${f2(ds.wallS)} s = ${(si.durationS / ds.wallS).toFixed(2)}× ` +
        `(the process exits ${f2(si.wallS - si.durationS)} s after its report is written)`,
      '≤ 1.15×',
      si.durationS / ds.wallS <= 1.15,
    );
  if (sa && ct)
    goal(
      '(context) archive scan / cat',
      `${f2(sa.wallS)} s / ${f2(ct.wallS)} s = ${(sa.wallS / ct.wallS).toFixed(1)}×`,
      '—',
      null,
    );
  if (bh && ct) goal('(context) by-hand / cat', `${(bh.wallS / ct.wallS).toFixed(1)}×`, '—', null);

  const l1 = rows['scan-l1'];
  const l2 = rows['scan-l2'];
  if (sa && l1 && l2) {
    const series = [
      {
        label: 'layer 1',
        layers: 1,
        bytes: all.archives.l1,
        row: l1,
        report: all.reports['scan-l1'],
      },
      {
        label: 'layers 1–2',
        layers: 2,
        bytes: all.archives.l2,
        row: l2,
        report: all.reports['scan-l2'],
      },
      {
        label: 'layers 1–3',
        layers: 3,
        bytes: all.archives.full,
        row: sa,
        report: all.reports['scan-archive'],
      },
    ];
    // Wall time swings with the other users' load; CPU time (user+sys) does not, so both are fitted.
    const describeFit = (pick) => {
      const pts = series.map((p) => [p.bytes / 1e9, pick(p.row)]);
      const fit = leastSquares(pts);
      const slope12 = (pts[1][1] - pts[0][1]) / (pts[1][0] - pts[0][0]);
      const slope23 = (pts[2][1] - pts[1][1]) / (pts[2][0] - pts[1][0]);
      const linear =
        fit.r2 >= 0.98 && Math.abs(slope23 - slope12) / Math.max(slope12, slope23) <= 0.25;
      const text = `t = ${f2(fit.a)} s + ${f2(fit.b)} s/GB × size, R² ${fit.r2.toFixed(3)}; marginal ${f2(slope12)} then ${f2(slope23)} s/GB`;
      return {
        text,
        linear,
        maxPerGb: Math.max(...pts.map(([x, y]) => y / x)),
        minPerGb: Math.min(...pts.map(([x, y]) => y / x)),
      };
    };
    const wallFit = describeFit((r) => r.wallS);
    const cpuFit = describeFit((r) => r.cpuS);
    const target = 'R² ≥ 0.98 and marginal s/GB within 25%';
    goal('time linear in size (wall)', wallFit.text, target, wallFit.linear);
    goal('time linear in size (CPU)', cpuFit.text, target, cpuFit.linear);
    goal(
      '(context) no worse than linear: s/GB of the largest ≤ s/GB of the smallest',
      `wall ${f2(sa.wallS / (all.archives.full / 1e9))} vs ${f2(l1.wallS / (all.archives.l1 / 1e9))}; CPU ${f2(sa.cpuS / (all.archives.full / 1e9))} vs ${f2(l1.cpuS / (all.archives.l1 / 1e9))} s/GB`,
      '—',
      sa.cpuS / all.archives.full <= l1.cpuS / all.archives.l1,
    );
    push(
      '',
      '## Growth with size',
      '',
      '| archive | GB | layers | files | ELF files | scan wall s | CPU s | wall s/GB | CPU ms per 1000 files | peak RSS MiB |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const p of series) {
      const files = p.report?.summary?.files;
      push(
        `| ${p.label} | ${(p.bytes / 1e9).toFixed(3)} | ${p.layers} | ${files ?? '—'} | ${p.report?.summary?.elfFiles ?? '—'} | ${f2(p.row.wallS)} | ${f2(p.row.cpuS)} | ${f2(p.row.wallS / (p.bytes / 1e9))} | ${files ? ((1e6 * p.row.cpuS) / files).toFixed(0) : '—'} | ${p.row.peakRssMiB.toFixed(0)} |`,
      );
    }
  }

  const profiles =
    all.profiles ?? (all.profile ? [{ label: 'the docker-save archive', ...all.profile }] : []);
  for (const p of profiles) {
    push(
      '',
      `## Where the scan's time goes: ${p.label}`,
      '',
      `One extra run of the scan of ${p.label} under \`node --cpu-prof\` (wall ${(p.wallMs / 1000).toFixed(2)} s ` +
        `with the profiler on; ${(p.sampledMs / 1000).toFixed(2)} s sampled on ${p.threads} thread(s)). ` +
        'Self time of each sample is attributed to the source module esbuild marks in the bundle; ' +
        'native frames (fs reads, zlib) go to the JavaScript frame that called them.',
      '',
      '| phase | ms | share |',
      '|---|---|---|',
    );
    // Rows under 0.5% (mostly packages loaded at start-up) are summed into one.
    const pushShares = (entries) => {
      const small = entries.filter(([, ms]) => ms < p.sampledMs / 200);
      const rest = small.reduce((sum, [, ms]) => sum + ms, 0);
      const shown = entries.filter(([, ms]) => ms >= p.sampledMs / 200);
      if (small.length > 0) shown.push([`${small.length} others, each < 0.5%`, rest]);
      for (const [name, ms] of shown)
        push(`| ${name} | ${ms.toFixed(0)} | ${((100 * ms) / p.sampledMs).toFixed(1)}% |`);
    };
    pushShares(p.byPhase);
    push('', '| module group | ms | share |', '|---|---|---|');
    pushShares(p.byGroup);
    push('', '| module | ms | share |', '|---|---|---|');
    for (const [mod, ms] of p.byModule.slice(0, 25))
      push(`| ${mod} | ${ms.toFixed(0)} | ${((100 * ms) / p.sampledMs).toFixed(1)}% |`);
    push('', 'Hottest functions (self time):', '', '| function | module | ms |', '|---|---|---|');
    for (const fn of p.topFunctions.slice(0, 20))
      push(`| \`${fn.name}\` | ${fn.module} | ${fn.ms.toFixed(0)} |`);
  }
  if (all.toolProfile) {
    push(
      '',
      "## The scan's own `--profile` output",
      '',
      '```',
      all.toolProfile.output ?? all.toolProfile.error,
      '```',
    );
  }

  push(
    '',
    '## Every run',
    '',
    '| measurement | round | wall s | scan durationMs, s | CPU s | peak RSS MiB | load avg before | other cores busy |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const m of measurements) {
    all.results[m.id].forEach((r, i) =>
      push(
        `| ${m.id} | ${i + 1} | ${f2(r.wallS)} | ${f2(r.durationS)} | ${f2(r.userS + r.sysS)} | ${mib(r.maxRssKiB)} | ${r.loadBefore} | ${r.otherCores.toFixed(2)} |`,
      ),
    );
  }
  const notesFile = path.join(benchDir, 'NOTES.md');
  if (existsSync(notesFile)) push('', readFileSync(notesFile, 'utf8').trim());
  return lines.join('\n') + '\n';
}

function leastSquares(points) {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const b = sxy / sxx;
  const a = my - b * mx;
  const ssRes = points.reduce((s, [x, y]) => s + (y - (a + b * x)) ** 2, 0);
  const ssTot = points.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  return { a, b, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}
