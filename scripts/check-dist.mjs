// Fails when the committed dist/ differs from a fresh bundle of src/: the action runs
// dist/index.js as committed, so a stale bundle would ship code nobody reviewed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const fresh = mkdtempSync(path.join(os.tmpdir(), 'exit139-guard-dist-'));
try {
  execFileSync(process.execPath, ['scripts/bundle.mjs', fresh], { stdio: 'inherit' });
  const stale = [];
  const names = new Set([
    ...readdirSync(fresh),
    ...(existsSync('dist') ? readdirSync('dist') : []),
  ]);
  for (const name of [...names].sort()) {
    const committed = path.join('dist', name);
    const rebuilt = path.join(fresh, name);
    if (!existsSync(committed)) stale.push(`${committed} is missing`);
    else if (!existsSync(rebuilt))
      stale.push(`${committed} is not produced by the bundle any more`);
    else if (!readFileSync(committed).equals(readFileSync(rebuilt)))
      stale.push(`${committed} differs`);
  }
  if (stale.length > 0) {
    console.error('dist/ is not current (run `npm run bundle` and commit dist/):');
    for (const line of stale) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log('dist/ is current.');
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
