// The demo: scans the committed example images with the committed CLI (dist/cli.js), no Docker
// and no `npm ci` needed:
//   node examples/demo.mjs        (or npm run demo)
// examples/go-service.oci.tar is a Go service whose Dockerfile forgets CGO_ENABLED=0 and whose
// final stage is FROM scratch (`docker run` of it fails with `exec /server: no such file or
// directory`), plus a health check built right; examples/go-service-fixed.oci.tar is the same
// after the fix. Both are built by examples/build.sh. For each, the findings are printed and the
// SARIF report and the pull request comment are written under examples/out/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(repo, 'examples/out');
mkdirSync(out, { recursive: true });

const node = (args, options = {}) =>
  spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8', ...options });
// The committed bundle, as the action runs it; `npm run bundle` rebuilds it from the sources.
const cli = path.join(repo, 'dist/cli.js');
if (!existsSync(cli)) {
  process.stderr.write('demo: dist/cli.js is missing: run `npm ci && npm run bundle` first\n');
  process.exit(2);
}

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
  // The comment as the action posts it by default: warnings and errors listed, notes counted.
  for (const [format, file, extra] of [
    ['sarif', `${name}.sarif`, []],
    ['markdown', `${name}.comment.md`, ['--comment-level', 'warning']],
  ]) {
    const written = node([
      cli,
      ...scan,
      '--format',
      format,
      ...extra,
      '--output',
      path.join(out, file),
    ]);
    if (written.status === 2 || written.status === null) {
      process.stderr.write(written.stderr);
      failed = true;
    } else {
      console.log(`wrote examples/out/${file}`);
    }
  }
}
process.exit(failed ? 2 : 0);
