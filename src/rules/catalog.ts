/**
 * The rule registry: every rule module, in catalog (id) order, and what the rest of the program
 * reads about them. SARIF `rules[]`, the PR comment, the annotations and `docs/rules/EGxxx.md`
 * are all built from `RULE_CATALOG`; `runRules` (index.ts) runs `RULES`.
 *
 * One rule, one module (as hadolint keeps one rule in one file): `src/rules/egNNN-<name>.ts`
 * exports `const EGNNN: Rule` (context.ts) holding the rule's metadata (id, name, defaultLevel,
 * short and full description, runtimeError, why, fix, safeToIgnore, tags, precision) and its
 * pure `check(ctx)`, which returns only findings of its own id. Computations several rules share
 * live in `support/` (loader simulation walk, entrypoint resolution, Go runtime files) and in
 * facts.ts / context.ts (image facts, blame, `finding`).
 *
 * To add a rule: write `src/rules/egNNN-<name>.ts` exporting `EGNNN: Rule`, import it below and
 * put it in `RULES` at its id's place; then regenerate `docs/rules/` (the rule-docs test says
 * how). Nothing else needs to know about it.
 *
 * In `runtimeError`, `/app` stands for the file the finding is about; `runtimeErrorFor` puts the
 * real path in its place. The error strings are the ones observed or quoted in
 * shared/notes/elf-go-image-formats.md section 7 (runc, glibc ld.so, musl, Go runtime).
 */
import type { Finding, RuleMeta } from '../findings.js';
import type { Rule, RuleSpec } from './context.js';
import { EG101 } from './eg101-interpreter-missing.js';
import { EG102 } from './eg102-libc-flavor-mismatch.js';
import { EG103 } from './eg103-library-missing.js';
import { EG104 } from './eg104-symbol-version-missing.js';
import { EG105 } from './eg105-symbol-unresolved.js';
import { EG106 } from './eg106-architecture-mismatch.js';
import { EG107 } from './eg107-kernel-too-old.js';
import { EG108 } from './eg108-not-a-program.js';
import { EG110 } from './eg110-kernel-refuses-elf.js';
import { EG111 } from './eg111-x86-64-level.js';
import { EG113 } from './eg113-libgcc-s-missing.js';
import { EG114 } from './eg114-nss-service-unavailable.js';
import { EG115 } from './eg115-gconv-modules-missing.js';
import { EG201 } from './eg201-declared-triple-mismatch.js';
import { EG202 } from './eg202-cgo-dynamic-on-static-base.js';
import { EG203 } from './eg203-static-glibc-nss.js';
import { EG204 } from './eg204-ineffective-static-flags.js';
import { EG205 } from './eg205-platform-mismatch.js';
import { EG206 } from './eg206-unresolved-from.js';
import { EG301 } from './eg301-entrypoint-missing.js';
import { EG302 } from './eg302-entrypoint-not-executable.js';
import { EG303 } from './eg303-shebang-interpreter-missing.js';
import { EG401 } from './eg401-ca-certificates-missing.js';
import { EG402 } from './eg402-zoneinfo-missing.js';
import { EG403 } from './eg403-user-database-missing.js';
import { EG404 } from './eg404-user-unknown.js';
import { EG501 } from './eg501-hardening.js';
import { EG601 } from './eg601-run-as-non-root-refused.js';
import { EG602 } from './eg602-pod-command-undecided.js';
import { EG603 } from './eg603-manifests-without-image.js';
import { EG701 } from './eg701-died-on-start-unpredicted.js';
import { EG702 } from './eg702-prediction-contradicted.js';
import { EG703 } from './eg703-exited-with-own-error.js';
import { EG704 } from './eg704-loader-failure-unpredicted.js';
import { EG705 } from './eg705-loader-resolution-differs.js';

/** Every rule, in id order: the order of SARIF `rules[]` and of the docs index. */
export const RULES: readonly Rule[] = [
  EG101,
  EG102,
  EG103,
  EG104,
  EG105,
  EG106,
  EG107,
  EG108,
  EG110,
  EG111,
  EG113,
  EG114,
  EG115,
  EG201,
  EG202,
  EG203,
  EG204,
  EG205,
  EG206,
  EG301,
  EG302,
  EG303,
  EG401,
  EG402,
  EG403,
  EG404,
  EG501,
  EG601,
  EG602,
  EG603,
  EG701,
  EG702,
  EG703,
  EG704,
  EG705,
];

/** The path `runtimeError` uses for the file a finding is about. */
export const RUNTIME_ERROR_PATH_PLACEHOLDER = '/app';

function helpMarkdown(spec: RuleSpec): string {
  return [
    `## What fails at run time`,
    '',
    spec.runtimeError === ''
      ? 'Nothing fails when the container starts.'
      : 'At run time the program fails with:\n\n```text\n' + spec.runtimeError + '\n```',
    '',
    `## Why`,
    '',
    spec.why,
    '',
    `## Fix`,
    '',
    spec.fix,
    '',
    `## When it is safe to ignore`,
    '',
    spec.safeToIgnore,
  ].join('\n');
}

export const RULE_CATALOG: readonly RuleMeta[] = RULES.map((spec) => ({
  id: spec.id,
  name: spec.name,
  defaultLevel: spec.defaultLevel,
  shortDescription: spec.shortDescription,
  fullDescription: spec.fullDescription,
  runtimeError: spec.runtimeError,
  helpMarkdown: helpMarkdown(spec),
  tags: spec.tags,
  precision: spec.precision,
}));

const BY_ID = new Map(RULE_CATALOG.map((meta) => [meta.id, meta]));

/** The metadata of rule `id`; an unknown id is a programming error (rules are fixed). */
export function ruleMeta(id: string): RuleMeta {
  const meta = BY_ID.get(id);
  if (!meta) throw new Error(`unknown rule id ${id}`);
  return meta;
}

export function isRuleId(id: string): boolean {
  return BY_ID.has(id);
}

const CONFIRMED_BY = new Map(RULES.map((rule) => [rule.id, rule.confirmedBy ?? null]));

/** What running the image can show of rule `id`'s errors (RuleSpec.confirmedBy); null: nothing. */
export function confirmedBy(id: string): 'start' | 'load' | null {
  return CONFIRMED_BY.get(id) ?? null;
}

/**
 * The error for a rule id the catalog does not have (config files, pragmas, inputs). It names
 * no range of ids, since rules are added over time and a range would go stale.
 */
export function unknownRuleMessage(id: string): string {
  return `unknown rule '${id}' (the README's Rules section lists the rule ids)`;
}

/** The rule's runtime error with the finding's own path in place of `/app`; '' when none. */
export function runtimeErrorFor(meta: RuleMeta, path: string | null): string {
  if (path === null || meta.runtimeError === '') return meta.runtimeError;
  return meta.runtimeError.split(RUNTIME_ERROR_PATH_PLACEHOLDER).join(path);
}

/**
 * What the finding's file prints when the container starts: the rule's own exact error when the
 * facts told it (the real symbol, library, version), else the catalog's with the file's path;
 * nothing for a loader finding below error (no start fails).
 */
export function findingRuntimeError(finding: Finding): string {
  if (finding.runtimeError !== undefined) return finding.runtimeError;
  if (!isRuleId(finding.ruleId)) return '';
  // A loader rule lowers a finding below error because no start fails: its catalog text (an
  // example, `libfoo.so.1`) would foretell an error that does not happen.
  if (finding.level !== 'error' && confirmedBy(finding.ruleId) === 'load') return '';
  return runtimeErrorFor(ruleMeta(finding.ruleId), finding.path);
}
