/**
 * Workflow annotations on the Dockerfile lines. GitHub shows at most 10 annotations per level
 * (error, warning, notice) per step and silently drops the rest, so the most severe findings go
 * first, each level is capped, and one notice counts what was left out (it takes one of the ten
 * notice slots itself).
 */
import type { Finding, Level, ScanReport } from '../findings.js';
import { findingRuntimeError, isRuleId, ruleMeta } from '../rules/catalog.js';
import { primaryRange, repositoryRelative, type RepositoryPaths } from './locate.js';
import { sortFindings } from './markdown.js';

export const ANNOTATIONS_PER_LEVEL = 10;

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  /** As `@actions/core`'s AnnotationProperties. */
  properties: { title: string; file?: string; startLine?: number; endLine?: number };
}

const ANNOTATION_LEVEL: Record<Level, AnnotationLevel> = {
  error: 'error',
  warning: 'warning',
  note: 'notice',
};

function annotationOf(finding: Finding, report: ScanReport, paths: RepositoryPaths): Annotation {
  const meta = isRuleId(finding.ruleId) ? ruleMeta(finding.ruleId) : null;
  const runtime = findingRuntimeError(finding).split('\n')[0]!;
  // A container's finding is annotated on its manifest line, where the pod spec decided.
  const range = finding.manifest ?? primaryRange(finding, report);
  const file = range ? repositoryRelative(range.path, paths) : null;
  const where = finding.path === null ? '' : `: ${finding.path}`;
  return {
    level: ANNOTATION_LEVEL[finding.level],
    message: runtime === '' ? finding.message : `${finding.message}\nAt run time: ${runtime}`,
    properties: {
      title: `${finding.ruleId}${meta ? ` ${meta.name}` : ''}${where}`,
      ...(range && file !== null
        ? { file, startLine: range.startLine, endLine: range.endLine }
        : {}),
    },
  };
}

/** The annotations to write, in order, within GitHub's limits. Suppressed findings get none. */
export function planAnnotations(
  report: ScanReport,
  paths: RepositoryPaths,
  perLevel = ANNOTATIONS_PER_LEVEL,
): Annotation[] {
  const active = sortFindings(
    report.findings.filter((f) => !f.suppression),
    report,
  );
  const byLevel = (level: Level) => active.filter((f) => f.level === level);
  const errors = byLevel('error');
  const warnings = byLevel('warning');
  const notes = byLevel('note');
  const overflows =
    errors.length > perLevel || warnings.length > perLevel || notes.length > perLevel;
  const noteCap = overflows ? perLevel - 1 : perLevel;
  const shown = [
    ...errors.slice(0, perLevel),
    ...warnings.slice(0, perLevel),
    ...notes.slice(0, noteCap),
  ];
  const annotations = shown.map((f) => annotationOf(f, report, paths));
  if (overflows) {
    const left = {
      errors: Math.max(0, errors.length - perLevel),
      warnings: Math.max(0, warnings.length - perLevel),
      notes: Math.max(0, notes.length - noteCap),
    };
    const total = left.errors + left.warnings + left.notes;
    const parts = [
      left.errors ? `${left.errors} error${left.errors === 1 ? '' : 's'}` : '',
      left.warnings ? `${left.warnings} warning${left.warnings === 1 ? '' : 's'}` : '',
      left.notes ? `${left.notes} note${left.notes === 1 ? '' : 's'}` : '',
    ].filter(Boolean);
    annotations.push({
      level: 'notice',
      message:
        `${total} more finding${total === 1 ? ' is' : 's are'} not annotated (${parts.join(', ')}): GitHub shows at most ` +
        `${perLevel} annotations per level in a step. The job summary and the SARIF report list all of them.`,
      properties: { title: 'exit139-guard: more findings than annotations' },
    });
  }
  return annotations;
}
