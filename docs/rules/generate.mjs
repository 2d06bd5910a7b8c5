// Writes docs/rules/*.md and the rule table of README.md from the rule catalog (src/rules/catalog.ts).
// Usage: node docs/rules/generate.mjs
// The TypeScript module is bundled on the fly with esbuild, as scripts/bundle.mjs does for dist.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  const { ruleDocFiles, ruleTable } = await import(pathToFileURL(outfile).href);
  for (const [name, text] of ruleDocFiles()) {
    writeFileSync(path.join(here, name), text);
    console.log(`docs/rules/${name}`);
  }
  const readmePath = path.join(here, '../../README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const block = /(<!-- rules:start[^>]*-->\n)[\s\S]*?(<!-- rules:end -->)/;
  if (!block.test(readme))
    throw new Error('README.md has no <!-- rules:start --> ... <!-- rules:end --> block');
  writeFileSync(
    readmePath,
    readme.replace(block, (_, start, end) => start + ruleTable('docs/rules/') + end),
  );
  console.log('README.md (rule table)');
} finally {
  rmSync(temp, { recursive: true, force: true });
}
