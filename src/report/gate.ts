/**
 * The pass/fail verdict, judged on the findings after policy and independent of what is reported
 * (hiding notes from a report must never change whether the check fails, cf. trivy-action #309).
 */
import { LEVELS, type Finding, type Level } from '../findings.js';

export type FailOn = Level | 'never';
export const FAIL_ON_VALUES: readonly FailOn[] = [...LEVELS, 'never'];

export interface LevelCounts {
  errors: number;
  warnings: number;
  notes: number;
  suppressed: number;
}

/** Counts the findings that apply (suppressed ones apart). */
export function countFindings(findings: readonly Finding[]): LevelCounts {
  const counts: LevelCounts = { errors: 0, warnings: 0, notes: 0, suppressed: 0 };
  for (const finding of findings) {
    if (finding.suppression) counts.suppressed++;
    else if (finding.level === 'error') counts.errors++;
    else if (finding.level === 'warning') counts.warnings++;
    else counts.notes++;
  }
  return counts;
}

/** True when `level` is at or above `failOn`. */
export function atOrAbove(level: Level, failOn: FailOn): boolean {
  return failOn !== 'never' && LEVELS.indexOf(level) <= LEVELS.indexOf(failOn);
}

/** Whether a finding can gate: not suppressed and, with `newOnly`, not already in the baseline. */
export function gates(finding: Finding, newOnly = false): boolean {
  return !finding.suppression && !(newOnly && finding.baselineState === 'unchanged');
}

/**
 * `fail` when a finding that gates is at or above `failOn`; `newOnly` (`fail-on-new-only`)
 * leaves out findings already present in the baseline.
 */
export function judge(
  findings: readonly Finding[],
  failOn: FailOn,
  newOnly = false,
): 'pass' | 'fail' {
  return findings.some((f) => gates(f, newOnly) && atOrAbove(f.level, failOn)) ? 'fail' : 'pass';
}
