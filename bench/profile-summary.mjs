// Summarises node --cpu-prof profiles of the bundled CLI by source module and by scan phase.
// esbuild (unminified) starts each module's code with a `// src/elf/parse.ts` or
// `// node_modules/tar-stream/index.js` comment line (relative to where it bundled; packages
// reached through a symlinked node_modules show as `// ../../x/node_modules/...`), so a bundle
// line maps back to its module without a source map. Native frames (empty url: fs reads, zlib, typed-array copies) take the
// module of the JavaScript frame that called them.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const MARKER = /^\/\/ (\S+\.[cm]?[jt]s)$/;

/** `src/...` or `node_modules/<package>/...` from a marker's path, else null. */
function markedModule(markerPath) {
  const inPackages = markerPath.lastIndexOf('node_modules/');
  if (inPackages >= 0) return markerPath.slice(inPackages);
  return markerPath.startsWith('src/') ? markerPath : null;
}

function bundleModuleMap(bundlePath) {
  const starts = [];
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const m = MARKER.exec(line);
      const module = m ? markedModule(m[1]) : null;
      if (module) starts.push([index, module]);
    });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(bundle prelude)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= line) {
        found = starts[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** Folds a module path to the unit the report shows: src/<area> or a package name. */
function moduleGroup(module) {
  if (module.startsWith('src/')) {
    const parts = module.split('/');
    return parts.length > 2 ? `src/${parts[1]}` : module;
  }
  if (module.startsWith('node_modules/')) {
    const parts = module.split('/');
    return parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
  }
  return module;
}

function nodeInternalGroup(url) {
  const name = url.slice('node:'.length);
  if (/^(internal\/)?fs\b/.test(name)) return 'node:fs';
  if (/zlib/.test(name)) return 'node:zlib';
  if (/^(internal\/)?streams?\b/.test(name) || name === 'stream') return 'node:streams';
  if (/^(internal\/)?(net|http|_http|stream_base|tls|dns)/.test(name)) return 'node:net/http';
  if (/buffer/.test(name)) return 'node:buffer';
  return 'node:other';
}

const SPECIAL = {
  '(garbage collector)': 'GC',
  '(idle)': 'idle (waiting for I/O or the engine)',
  '(program)': 'V8/native (program)',
  '(root)': 'V8/native (program)',
};

const READING = new Set([
  'src/image',
  'tar-stream',
  'streamx',
  'b4a',
  'fast-fifo',
  'text-decoder',
  'bare-events',
  'node:fs',
  'node:streams',
  'node:net/http',
  'node:buffer',
  'dockerode',
  'docker-modem',
  'split-ca',
  'ssh2',
]);

function phaseOf(group) {
  if (group === 'GC' || group.startsWith('idle') || group.startsWith('V8/native')) return group;
  if (READING.has(group))
    return 'reading: archive/engine stream, tar, layer merge (src/image, tar-stream, fs, streams)';
  if (group === 'node:zlib' || group === 'fzstd') return 'decompressing (zlib, fzstd)';
  if (group === 'src/elf') return 'ELF parsing (src/elf)';
  if (group === 'src/loader') return 'loader simulation (src/loader)';
  if (group === 'src/rules') return 'rules (src/rules)';
  if (group === 'src/report') return 'reporting (src/report)';
  return `other (${group})`;
}

/**
 * @param {string[]} files .cpuprofile files (one per thread)
 * @param {string} bundlePath the cli.js that ran
 */
export function summariseCpuProfiles(files, bundlePath) {
  const bundleUrl = pathToFileURL(bundlePath).href;
  const moduleAt = bundleModuleMap(bundlePath);
  const byModule = new Map();
  const byGroup = new Map();
  const byFunction = new Map();
  let sampledMs = 0;
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);

  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const memo = new Map();
    const attribution = (id) => {
      if (memo.has(id)) return memo.get(id);
      const { callFrame } = nodes.get(id);
      let result;
      if (SPECIAL[callFrame.functionName] && !callFrame.url) {
        result = {
          module: SPECIAL[callFrame.functionName],
          group: SPECIAL[callFrame.functionName],
        };
      } else if (callFrame.url === bundleUrl) {
        const module = moduleAt(callFrame.lineNumber);
        result = { module, group: moduleGroup(module) };
      } else if (callFrame.url.startsWith('node:')) {
        const group = nodeInternalGroup(callFrame.url);
        result = { module: callFrame.url, group };
      } else if (!callFrame.url && parent.has(id)) {
        result = attribution(parent.get(id));
      } else {
        result = {
          module: callFrame.url || '(native)',
          group: callFrame.url || 'V8/native (program)',
        };
      }
      memo.set(id, result);
      return result;
    };
    profile.samples.forEach((id, i) => {
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      const { module, group } = attribution(id);
      const { callFrame } = nodes.get(id);
      sampledMs += ms;
      add(byModule, module, ms);
      add(byGroup, group, ms);
      const fnKey = `${callFrame.functionName || '(anonymous)'}\u0000${module}`;
      add(byFunction, fnKey, ms);
    });
  }

  const byPhase = new Map();
  for (const [group, ms] of byGroup) add(byPhase, phaseOf(group), ms);
  const sorted = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return {
    threads: files.length,
    sampledMs,
    byPhase: sorted(byPhase),
    byGroup: sorted(byGroup),
    byModule: sorted(byModule),
    topFunctions: sorted(byFunction).map(([key, ms]) => {
      const [name, module] = key.split('\u0000');
      return { name, module, ms };
    }),
  };
}
