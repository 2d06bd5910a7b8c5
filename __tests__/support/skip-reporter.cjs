// Prints, at the end of a run, every test suite that skipped work and why (no Docker
// Engine, no ../shared/corpus, ...), so a green run on a bare machine cannot pass for a full one.
const fs = require('node:fs');
const { skipLogPath } = require('./skip-log.cjs');

class SkipReporter {
  onRunStart() {
    fs.rmSync(skipLogPath, { force: true });
  }
  onRunComplete(_contexts, results) {
    let lines = [];
    try {
      lines = fs.readFileSync(skipLogPath, 'utf8').split('\n').filter(Boolean);
    } catch {
      lines = [];
    }
    const unique = [...new Set(lines)];
    if (unique.length > 0) {
      process.stderr.write('\n==== SKIPPED: these tests did not run ====\n');
      for (const line of unique) process.stderr.write(`  - ${line}\n`);
      process.stderr.write(
        `  (their tests returned before asserting, so jest counts them as passed; ${results.numPendingTests} more were marked skipped)\n\n`,
      );
    }
  }
}
module.exports = SkipReporter;
