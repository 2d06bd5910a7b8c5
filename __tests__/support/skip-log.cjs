// Where suites record why they skipped; read by skip-reporter.cjs. One run at a time per user.
const os = require('node:os');
const path = require('node:path');
module.exports = {
  skipLogPath: path.join(
    os.tmpdir(),
    `exit139-guard-skips-${process.getuid ? process.getuid() : 0}.log`,
  ),
};
