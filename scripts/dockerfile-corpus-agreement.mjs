#!/usr/bin/env node
// Prints the agreement table of the Dockerfile model against ../shared/corpus (for the closing
// note): bundles __tests__/dockerfile/corpus-agreement.ts with esbuild into .cache/ and runs it.
// Usage: node scripts/dockerfile-corpus-agreement.mjs [CORPUS_DIR]
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const corpus = resolve(process.argv[2] ?? '../shared/corpus');
mkdirSync('.cache', { recursive: true });
const entry = resolve('.cache/corpus-agreement-entry.ts');
writeFileSync(
  entry,
  `import { compareCorpus, formatAgreement } from '../__tests__/dockerfile/corpus-agreement.js';\n` +
    `console.log(formatAgreement(compareCorpus(${JSON.stringify(corpus)})));\n` +
    `console.log('');\n` +
    `console.log(formatAgreement(compareCorpus(${JSON.stringify(corpus)}, 'arm64')));\n`,
);
const outfile = resolve('.cache/corpus-agreement.mjs');
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  },
});
await import(pathToFileURL(outfile).href);
