// Writes docs/rules/*.md from the rule catalog (src/rules/catalog.ts).
// Usage: node docs/rules/generate.mjs
// The TypeScript module is bundled on the fly with esbuild, as scripts/bundle.mjs does for dist.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const temp = mkdtempSync(path.join(os.tmpdir(), 'e139-rule-docs-'));
try {
  const outfile = path.join(temp, 'rule-docs.mjs');
  await build({
    entryPoints: [path.join(here, '../../src/report/rule-docs.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
  });
  const { ruleDocFiles } = await import(pathToFileURL(outfile).href);
  for (const [name, text] of ruleDocFiles()) {
    writeFileSync(path.join(here, name), text);
    console.log(`docs/rules/${name}`);
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
