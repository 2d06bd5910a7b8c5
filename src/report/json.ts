/**
 * `--format json`: the ScanReport as DESIGN.md's contract gives it. Fields are only ever added;
 * the order of keys is fixed here so the output is stable for diffing.
 */
import type { Finding, ScanReport } from '../findings.js';

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
    ...(finding.manifest !== undefined ? { manifest: finding.manifest } : {}),
    ...(finding.confirmation !== undefined ? { confirmation: finding.confirmation } : {}),
  };
}

export function formatJson(report: ScanReport): string {
  const json = {
    version: report.version,
    image: report.image,
    dockerfile: report.dockerfile,
    findings: report.findings.map(findingJson),
    summary: report.summary,
    ...(report.manifests !== undefined ? { manifests: report.manifests } : {}),
    ...(report.confirmation !== undefined ? { confirmation: report.confirmation } : {}),
  };
  return JSON.stringify(json, null, 2) + '\n';
}
