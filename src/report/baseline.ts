/**
 * Only what the pull request changed: a finding's fingerprint, and the base branch's report it is
 * compared with. A fingerprint is the rule, the path in the image and what is missing (the
 * library sonames, loader paths and symbol versions the finding names), and the workload and
 * container for a finding about a manifest, hashed: it survives
 * Dockerfile line moves, message rewording and image tags, as SARIF's `baselineState` and code
 * scanning's `partialFingerprints` intend (SARIF 2.1.0 §3.27.24, §3.27.17). A finding whose
 * fingerprint is in the baseline is `unchanged` ("already present"); others are `new`.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import type { Finding, ManifestRange, ScanReport } from '../findings.js';
import { parseJsonText } from '../input-files.js';

/** The SARIF `partialFingerprints` key the fingerprint is written under. */
export const FINGERPRINT_KEY = 'exit139Guard/v1';

/**
 * What a finding says is missing or wrong, in the words the loader uses: sonames and loader
 * paths (`libssl.so.3`, `ld-musl-x86_64.so.1`) and symbol versions (`GLIBC_2.34`). Rewording the
 * message keeps these, as they are the facts the loader prints.
 */
const MISSING_THING = /\b(?:[\w+-]+(?:\.[\w+-]+)*\.so(?:\.\d+)*|[A-Z][A-Z0-9]*_\d+(?:\.\d+)*)\b/g;

function missingThings(finding: Finding): string[] {
  const text = [finding.message, ...finding.evidence, finding.runtimeError ?? ''].join('\n');
  return [...new Set(text.match(MISSING_THING) ?? [])].sort();
}

/**
 * 16 hex digits of sha256 over [rule, path, sorted missing things], and for a finding about a
 * container of a manifest its workload and container (`Deployment/api`, `initContainer migrate`):
 * a new workload with the same fault is new, wherever its lines are.
 */
export function fingerprintOf(finding: Finding): string {
  const parts: unknown[] = [finding.ruleId, finding.path ?? '', missingThings(finding)];
  const m = finding.manifest;
  if (m) parts.push(`${m.workload} ${m.containerKind} ${m.container}`);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

interface JsonFinding {
  fingerprint?: unknown;
  manifest?: unknown;
  ruleId?: unknown;
  path?: unknown;
  message?: unknown;
  evidence?: unknown;
  runtimeError?: unknown;
}

function isManifestRange(value: unknown): value is ManifestRange {
  const m = value as Partial<ManifestRange> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.workload === 'string' &&
    typeof m.container === 'string' &&
    typeof m.containerKind === 'string'
  );
}

function fromJsonFinding(raw: JsonFinding): string | null {
  if (typeof raw.fingerprint === 'string') return raw.fingerprint;
  if (typeof raw.ruleId !== 'string') return null;
  // A report written before fingerprints existed: computed the same way from its fields.
  return fingerprintOf({
    ruleId: raw.ruleId,
    level: 'note',
    path: typeof raw.path === 'string' ? raw.path : null,
    message: typeof raw.message === 'string' ? raw.message : '',
    evidence: Array.isArray(raw.evidence) ? raw.evidence.map(String) : [],
    dockerfile: null,
    related: [],
    suppression: null,
    ...(typeof raw.runtimeError === 'string' ? { runtimeError: raw.runtimeError } : {}),
    ...(isManifestRange(raw.manifest) ? { manifest: raw.manifest } : {}),
  });
}

/**
 * Reads the fingerprints of a baseline: a JSON report of this tool (one report, or the
 * `{ reports: [...] }` of several images) or a SARIF log it wrote (every run). `name` is how
 * the file is named in messages (the input or option). Throws InputError on anything else.
 */
export function readBaseline(text: string, where: string): Set<string> {
  const data = parseJsonText(text, where);
  const fingerprints = new Set<string>();
  const object = (data ?? {}) as Record<string, unknown>;
  if (Array.isArray(object.runs)) {
    for (const run of object.runs as {
      results?: { partialFingerprints?: Record<string, unknown> }[];
    }[]) {
      for (const result of run.results ?? []) {
        const value = result.partialFingerprints?.[FINGERPRINT_KEY];
        if (typeof value === 'string') fingerprints.add(value);
      }
    }
    return fingerprints;
  }
  const reports = Array.isArray(object.reports) ? (object.reports as unknown[]) : [object];
  let understood = false;
  for (const report of reports) {
    const findings = (report as { findings?: unknown } | null)?.findings;
    if (!Array.isArray(findings)) continue;
    understood = true;
    for (const raw of findings as JsonFinding[]) {
      const value = fromJsonFinding(raw ?? {});
      if (value !== null) fingerprints.add(value);
    }
  }
  if (!understood)
    throw new InputError(
      `${where}: is neither an exit139-guard JSON report (with findings) nor a SARIF log (with runs)`,
    );
  return fingerprints;
}

/** The report with each finding's `baselineState` set against the baseline's fingerprints. */
export function markBaseline(report: ScanReport, baseline: ReadonlySet<string>): ScanReport {
  return {
    ...report,
    findings: report.findings.map((f) => ({
      ...f,
      baselineState: baseline.has(fingerprintOf(f)) ? ('unchanged' as const) : ('new' as const),
    })),
  };
}
