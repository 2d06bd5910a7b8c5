/**
 * `--format json`: the ScanReport as DESIGN.md's contract gives it. Fields are only ever added;
 * the order of keys is fixed here so the output is stable for diffing.
 */
import { InputError } from '../errors.js';
import { parseJsonText } from '../input-files.js';
import { LEVELS, type Finding, type ScanReport } from '../findings.js';
import { fingerprintOf } from './baseline.js';

function findingJson(finding: Finding): Record<string, unknown> {
  return {
    ruleId: finding.ruleId,
    level: finding.level,
    path: finding.path,
    message: finding.message,
    dockerfile: finding.dockerfile,
    evidence: finding.evidence,
    related: finding.related,
    suppression: finding.suppression,
    ...(finding.runtimeError !== undefined ? { runtimeError: finding.runtimeError } : {}),
    // Rule + image path + what is missing: what `--baseline` compares (src/report/baseline.ts).
    fingerprint: fingerprintOf(finding),
    ...(finding.baselineState !== undefined ? { baselineState: finding.baselineState } : {}),
    ...(finding.manifest !== undefined ? { manifest: finding.manifest } : {}),
    ...(finding.confirmation !== undefined ? { confirmation: finding.confirmation } : {}),
    ...(finding.libraryClosure !== undefined ? { libraryClosure: finding.libraryClosure } : {}),
  };
}

/** Where the report was made, when the action made it: what `from-report` comments on. */
export interface ReportContext {
  /** The pull request the scanned commit belongs to, or null. */
  pullRequest: number | null;
}

function reportJson(report: ScanReport): Record<string, unknown> {
  return {
    version: report.version,
    image: report.image,
    dockerfile: report.dockerfile,
    findings: report.findings.map(findingJson),
    summary: report.summary,
    ...(report.manifests !== undefined ? { manifests: report.manifests } : {}),
    ...(report.confirmation !== undefined ? { confirmation: report.confirmation } : {}),
  };
}

export function formatJson(report: ScanReport, context?: ReportContext): string {
  const json = { ...reportJson(report), ...(context ? { context } : {}) };
  return JSON.stringify(json, null, 2) + '\n';
}

/** Several images (`images`, `platform: all`, `--images`): `{ version, reports: [...] }`. */
export function formatJsonReports(reports: readonly ScanReport[], context?: ReportContext): string {
  const json = { version: 1, reports: reports.map(reportJson), ...(context ? { context } : {}) };
  return JSON.stringify(json, null, 2) + '\n';
}

const isString = (v: unknown): v is string => typeof v === 'string';

function isRange(v: unknown): boolean {
  const r = v as Record<string, unknown> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    isString(r.path) &&
    Number.isInteger(r.startLine) &&
    Number.isInteger(r.endLine) &&
    isString(r.role) &&
    isString(r.instruction)
  );
}

/** Every field a reporter reads has its type: a saved report may come from an untrusted run. */
function isFinding(v: unknown): boolean {
  const f = v as Record<string, unknown> | null;
  if (typeof f !== 'object' || f === null) return false;
  const suppression = f.suppression as Record<string, unknown> | null;
  return (
    isString(f.ruleId) &&
    (LEVELS as readonly unknown[]).includes(f.level) &&
    (f.path === null || isString(f.path)) &&
    isString(f.message) &&
    Array.isArray(f.evidence) &&
    f.evidence.every(isString) &&
    (f.dockerfile === null || isRange(f.dockerfile)) &&
    Array.isArray(f.related) &&
    f.related.every(isRange) &&
    (suppression === null ||
      (typeof suppression === 'object' &&
        isString(suppression.reason) &&
        isString(suppression.source))) &&
    (f.runtimeError === undefined || isString(f.runtimeError)) &&
    (f.baselineState === undefined ||
      f.baselineState === 'new' ||
      f.baselineState === 'unchanged') &&
    (f.libraryClosure === undefined || isLibraryClosure(f.libraryClosure))
  );
}

/** The shape findingJson writes for `libraryClosure` (a fork's report is checked, not trusted). */
function isLibraryClosure(value: unknown): boolean {
  const c = value as Record<string, unknown> | null;
  if (typeof c !== 'object' || c === null || !isString(c.from) || !isString(c.image)) return false;
  if (c.kind === 'unavailable') return isString(c.reason) && typeof c.builderRead === 'boolean';
  return (
    c.kind === 'copy-from' &&
    isRange(c.after) &&
    Array.isArray(c.copies) &&
    c.copies.every(
      (copy: unknown) =>
        typeof copy === 'object' &&
        copy !== null &&
        isString((copy as Record<string, unknown>).source) &&
        isString((copy as Record<string, unknown>).destination),
    )
  );
}

function isReport(value: unknown): value is ScanReport {
  const r = value as Partial<ScanReport> | null;
  const summary = r?.summary as unknown as Record<string, unknown> | undefined;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.version === 1 &&
    isString(r.image?.ref) &&
    isString(r.image.platform) &&
    (r.dockerfile === null ||
      (isString(r.dockerfile?.path) &&
        (r.dockerfile.target === null || isString(r.dockerfile.target)))) &&
    Array.isArray(r.findings) &&
    r.findings.every(isFinding) &&
    typeof summary === 'object' &&
    Number.isInteger(summary.files) &&
    Number.isInteger(summary.elfFiles)
  );
}

/**
 * Reads what {@link formatJson} or {@link formatJsonReports} wrote. `where` names the file in
 * messages. Throws InputError when the text is not such a report. Findings keep the fields the
 * renderers read; a report from a fork is only ever rendered through the escaping reporters.
 */
export function readJsonReports(
  text: string,
  where: string,
): { reports: ScanReport[]; pullRequest: number | null } {
  const data = parseJsonText(text, where);
  const object = (data ?? {}) as { reports?: unknown; context?: { pullRequest?: unknown } };
  const reports = Array.isArray(object.reports) ? object.reports : [data];
  if (reports.length === 0 || !reports.every(isReport))
    throw new InputError(`${where}: not an exit139-guard JSON report (version 1)`);
  const pr = object.context?.pullRequest;
  return {
    reports: reports as ScanReport[],
    pullRequest: typeof pr === 'number' && Number.isInteger(pr) && pr > 0 ? pr : null,
  };
}
