/** Running every rule of the catalog over one image's facts. */
import type { Finding, Level } from '../findings.js';
import { RULES } from './catalog.js';
import type { RuleContext } from './context.js';

export type { Rule, RuleContext, RuleSpec, DockerfileInput } from './context.js';
export { RULE_CATALOG, RULES, ruleMeta } from './catalog.js';

const LEVEL_ORDER: Record<Level, number> = { error: 0, warning: 1, note: 2 };

/** All findings, most severe first, then by rule and path (a rule's own order within those). */
export function runRules(ctx: RuleContext): Finding[] {
  return sortFindings(RULES.flatMap((rule) => rule.check(ctx)));
}

/**
 * The static findings with those of the confirmation rules (EG7xx, which find nothing without
 * `ctx.confirmation`) added, in the same order as `runRules`.
 */
export function addConfirmationFindings(ctx: RuleContext, findings: Finding[]): Finding[] {
  const observed = RULES.filter((rule) => rule.id.startsWith('EG7')).flatMap((rule) =>
    rule.check(ctx),
  );
  return sortFindings([...findings, ...observed]);
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.path ?? '').localeCompare(b.path ?? ''),
  );
}
