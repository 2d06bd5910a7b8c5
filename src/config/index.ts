/** The repository policy for the front ends: config file, inline pragmas, and applying both. */
export {
  DEFAULT_CONFIG_FILE,
  EMPTY_CONFIG,
  loadConfig,
  parseConfig,
  type ConfigSuppression,
  type GuardConfig,
  type PathGlob,
  type RuleSetting,
} from './config.js';
export { parsePragmas, type Pragma } from './pragmas.js';
export { applyPolicy, expiredSuppressions, type PolicyOptions } from './policy.js';
export { loadPolicy, type Policy, type PolicySources } from './load.js';
