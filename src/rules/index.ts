/** Running every rule of the catalog over one image's facts. */
import type { Finding, Level } from '../findings.js';
import { RULES } from './catalog.js';
import type { RuleContext } from './context.js';

export type { Rule, RuleContext, RuleSpec, DockerfileInput } from './context.js';
export { RULE_CATALOG, RULES, ruleMeta } from './catalog.js';

const LEVEL_ORDER: Record<Level, number> = { error: 0, warning: 1, note: 2 };

/** All findings, most severe first, then by rule and path (a rule's own order within those). */
export function runRules(ctx: RuleContext): Finding[] {
  const findings = RULES.flatMap((rule) => rule.check(ctx));
  return findings.sort(
    (a, b) =>
      LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.path ?? '').localeCompare(b.path ?? ''),
  );
}
