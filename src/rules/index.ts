/** Every rule family, and running them all over one image's facts. */
import type { Finding, Level } from '../findings.js';
import type { Rule, RuleContext } from './context.js';
import { entrypointRules } from './entrypoint.js';
import { goRules } from './go.js';
import { hardeningRules } from './hardening.js';
import { loaderRules } from './loader.js';
import { runtimeFileRules } from './runtime-files.js';

export type { Rule, RuleContext, DockerfileInput } from './context.js';
export { RULE_CATALOG, ruleMeta } from './catalog.js';

export const RULES: readonly Rule[] = [
  loaderRules,
  goRules,
  entrypointRules,
  runtimeFileRules,
  hardeningRules,
];

const LEVEL_ORDER: Record<Level, number> = { error: 0, warning: 1, note: 2 };

/** All findings, most severe first, then by rule and path. */
export function runRules(ctx: RuleContext): Finding[] {
  const findings = RULES.flatMap((rule) => rule.check(ctx));
  return findings.sort(
    (a, b) =>
      LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.path ?? '').localeCompare(b.path ?? ''),
  );
}
