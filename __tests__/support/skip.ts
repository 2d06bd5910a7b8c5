import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { skipLogPath } = require('./skip-log.cjs') as { skipLogPath: string };

/**
 * Records loudly that `what` will not run and why. In CI (`CI=true`) nothing may be skipped:
 * it throws instead, so the suite fails rather than passing on less than it claims.
 */
export function reportSkip(what: string, why: string): void {
  const line = `${what}: ${why}`;
  if (process.env.CI === 'true') {
    throw new Error(`CI must not skip tests, but ${line}`);
  }
  process.stderr.write(`\n*** SKIPPING ${line} ***\n`);
  appendFileSync(skipLogPath, line + '\n');
}
