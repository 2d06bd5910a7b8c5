/**
 * Applies the repository's policy to a scan report: rule levels from the config, disabled rules
 * and ignored image paths dropped, suppressions (config and pragmas) marked on the findings they
 * match. Suppressed findings stay in the report (SARIF shows them as suppressed) but no longer
 * gate. An expired suppression does not apply, and the finding says so in its evidence.
 */
import type { Finding, ScanReport, Suppression } from '../findings.js';
import { primaryRange } from '../report/locate.js';
import type { ConfigSuppression, GuardConfig, PathGlob } from './config.js';
import type { Pragma } from './pragmas.js';

/** Today as YYYY-MM-DD in UTC: a suppression applies through its `expires` day. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function isExpired(expires: string | null, today: string): boolean {
  return expires !== null && expires < today;
}

function configMatches(suppression: ConfigSuppression, finding: Finding): boolean {
  if (suppression.rule !== finding.ruleId) return false;
  if (suppression.path === null) return true;
  return finding.path !== null && suppression.path.matches(finding.path);
}

function pragmaMatches(pragma: Pragma, finding: Finding, report: ScanReport): boolean {
  if (!pragma.rules.includes(finding.ruleId)) return false;
  const range = primaryRange(finding, report);
  return range !== null && range.startLine <= pragma.endLine && range.endLine >= pragma.startLine;
}

/**
 * `ignore-paths`, compiled once and indexed by the folder each pattern names literally
 * (`/opt/vendor/**` under `/opt/vendor`; `/server` under itself; `**\/x` under the root): a
 * path is tested only against the patterns indexed under one of its ancestors or itself, once
 * (20,000 patterns tested one by one against every finding once took 12 s).
 */
function ignoredPaths(globs: readonly PathGlob[]): (imagePath: string) => boolean {
  if (globs.length === 0) return () => false;
  const byFolder = new Map<string, RegExp[]>();
  for (const glob of globs) {
    const special = glob.glob.search(/[*?[\]{}()!+@\\]/);
    const key =
      special === -1
        ? glob.glob.replace(/\/+$/, '')
        : glob.glob.slice(0, Math.max(0, glob.glob.lastIndexOf('/', special)));
    const list = byFolder.get(key);
    if (list) list.push(glob.regex);
    else byFolder.set(key, [glob.regex]);
  }
  const seen = new Map<string, boolean>();
  return (imagePath) => {
    let ignored = seen.get(imagePath);
    if (ignored !== undefined) return ignored;
    ignored = false;
    for (let end = 0; end <= imagePath.length && !ignored; end++) {
      if (end < imagePath.length && imagePath[end] !== '/') continue;
      const candidates = byFolder.get(imagePath.slice(0, end));
      ignored = candidates?.some((regex) => regex.test(imagePath)) ?? false;
    }
    seen.set(imagePath, ignored);
    return ignored;
  };
}

interface Candidate {
  suppression: Suppression;
}

export interface PolicyOptions {
  /** For tests and reproducible runs; default now. */
  today?: Date;
}

export function applyPolicy(
  report: ScanReport,
  config: GuardConfig,
  pragmas: readonly Pragma[],
  options: PolicyOptions = {},
): ScanReport {
  const today = isoDay(options.today ?? new Date());
  const findings: Finding[] = [];
  const ignored = ignoredPaths(config.ignorePaths);
  for (const original of report.findings) {
    const setting = config.rules.get(original.ruleId);
    if (setting?.level === 'off') continue;
    if (original.path !== null && ignored(original.path)) continue;

    const finding: Finding = { ...original, evidence: [...original.evidence] };
    if (setting) finding.level = setting.level as Finding['level'];

    const candidates: Candidate[] = [
      ...pragmas
        .filter((p) => pragmaMatches(p, finding, report))
        .map((p) => ({
          suppression: {
            kind: 'pragma' as const,
            reason: p.reason,
            expires: p.expires,
            source: p.source,
          },
        })),
      ...config.suppressions
        .filter((s) => configMatches(s, finding))
        .map((s) => ({
          suppression: {
            kind: 'config' as const,
            reason: s.reason,
            expires: s.expires,
            source: s.source,
          },
        })),
    ];
    const active = candidates.find((c) => !isExpired(c.suppression.expires, today));
    if (finding.suppression === null && active) finding.suppression = active.suppression;
    for (const expired of candidates.filter((c) => isExpired(c.suppression.expires, today))) {
      finding.evidence.push(
        `the suppression at ${expired.suppression.source} ("${expired.suppression.reason}") expired on ${expired.suppression.expires} and no longer applies`,
      );
    }
    findings.push(finding);
  }
  const count = (level: Finding['level']) =>
    findings.filter((f) => f.level === level && !f.suppression).length;
  return {
    ...report,
    findings,
    summary: {
      ...report.summary,
      errors: count('error'),
      warnings: count('warning'),
      notes: count('note'),
    },
  };
}

/** The suppressions whose day has passed, for a warning by the front ends. */
export function expiredSuppressions(
  config: GuardConfig,
  pragmas: readonly Pragma[],
  today = new Date(),
): string[] {
  const day = isoDay(today);
  return [...config.suppressions, ...pragmas]
    .filter((s) => isExpired(s.expires, day))
    .map((s) => `the suppression at ${s.source} expired on ${s.expires}: it no longer applies`);
}
