// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with esbuild.
// Usage: node scripts/bundle.mjs OUTDIR
// The @actions/* packages are ESM-only while dockerode and its helpers are CommonJS,
// so the output is ESM with a `require` made by createRequire for the CommonJS parts.
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const outdir = process.argv[2];
if (!outdir) {
  console.error('usage: node scripts/bundle.mjs OUTDIR');
  process.exit(2);
}
mkdirSync(outdir, { recursive: true });

const banner =
  "import { createRequire as __e139CreateRequire } from 'node:module';\n" +
  "import { fileURLToPath as __e139FileURLToPath } from 'node:url';\n" +
  'const require = __e139CreateRequire(import.meta.url);\n' +
  // ssh2 (through dockerode) reads __dirname when it loads; ESM has no such binding.
  'const __filename = __e139FileURLToPath(import.meta.url);\n' +
  "const __dirname = __e139FileURLToPath(new URL('.', import.meta.url));";

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  // ssh2's optional native helpers are loaded in try/catch; the engine is reached over
  // unix sockets and TCP, never SSH, so they stay out of the bundle.
  external: ['cpu-features', '*.node'],
};

await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: path.join(outdir, 'index.js'),
  banner: { js: banner },
});
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: path.join(outdir, 'cli.js'),
  banner: { js: '#!/usr/bin/env node\n' + banner },
});
// `bin` in package.json: runnable as ./dist/cli.js (npm sets the mode on install; a checkout
// or `git archive` keeps the mode committed).
chmodSync(path.join(outdir, 'cli.js'), 0o755);
