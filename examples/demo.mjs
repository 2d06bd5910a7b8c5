// The demo: scans the committed example images with the CLI, no Docker needed.
//   npm run demo
// examples/go-service.oci.tar is a Go service whose Dockerfile forgets CGO_ENABLED=0 and whose
// final stage is FROM scratch (`docker run` of it fails with `exec /server: no such file or
// directory`), plus a health check built right; examples/go-service-fixed.oci.tar is the same
// after the fix. Both are built by examples/build.sh. For each, the findings are printed and the
// SARIF report and the pull request comment are written under examples/out/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(repo, 'examples/out');
mkdirSync(out, { recursive: true });

// The CLI is bundled from the sources, as `npm run bundle` does for dist/, so the demo shows
// exactly what this checkout does.
const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'exit139-guard-demo-'));
const node = (args, options = {}) =>
  spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8', ...options });
const bundled = node(['scripts/bundle.mjs', bundleDir]);
if (bundled.status !== 0) {
  process.stderr.write(bundled.stderr);
  process.exit(2);
}
const cli = path.join(bundleDir, 'cli.js');

const cases = [
  { name: 'go-service', dockerfile: 'examples/go-service/Dockerfile' },
  { name: 'go-service-fixed', dockerfile: 'examples/go-service/Dockerfile.fixed' },
];
let failed = false;
for (const { name, dockerfile } of cases) {
  const scan = ['scan', '--archive', `examples/${name}.oci.tar`, '--dockerfile', dockerfile];
  console.log(`\n$ exit139-guard ${scan.join(' ')}`);
  const text = node([cli, ...scan], { stdio: ['ignore', 'inherit', 'inherit'] });
  // Exit status 1 means findings at or above --fail-on; 2 would be a broken input.
  console.log(`(exit status ${text.status})`);
  if (text.status === 2 || text.status === null) failed = true;
  for (const [format, file] of [
    ['sarif', `${name}.sarif`],
    ['markdown', `${name}.comment.md`],
  ]) {
    const written = node([cli, ...scan, '--format', format, '--output', path.join(out, file)]);
    if (written.status === 2 || written.status === null) {
      process.stderr.write(written.stderr);
      failed = true;
    } else {
      console.log(`wrote examples/out/${file}`);
    }
  }
}
rmSync(bundleDir, { recursive: true, force: true });
process.exit(failed ? 2 : 0);
