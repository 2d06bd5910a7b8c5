/**
 * `--format text`: for a terminal. Findings grouped by the file they are about (the image as a
 * whole last), each with its level, rule, message, evidence, the Dockerfile line to blame, the
 * error the container would print on start, the COPY lines of a library closure fix, and
 * whether a baseline already had it.
 */
import type { Finding, Level, ScanReport } from '../findings.js';
import { findingRuntimeError, ruleMeta } from '../rules/catalog.js';
import { confirmationLine } from './confirmation.js';
import { copyLine } from './fix.js';

const LEVEL_WORD: Record<Level, string> = { error: 'error', warning: 'warning', note: 'note' };

/** `copied`: the COPY lines earlier findings printed (a loader two programs need, once). */
function findingText(finding: Finding, copied: Set<string>): string[] {
  const meta = ruleMeta(finding.ruleId);
  const lines = [
    `  ${LEVEL_WORD[finding.level]} ${finding.ruleId} ${meta.name}: ${finding.message}`,
  ];
  for (const line of finding.evidence) lines.push(`      ${line}`);
  if (finding.manifest) {
    const m = finding.manifest;
    lines.push(
      `      at ${m.path}:${m.startLine}  ${m.field ?? `${m.containerKind} ${m.container}`}`,
    );
  }
  if (finding.dockerfile) {
    const d = finding.dockerfile;
    const where = d.startLine === d.endLine ? `${d.startLine}` : `${d.startLine}-${d.endLine}`;
    lines.push(`      at ${d.path}:${where}  ${d.instruction}`);
    for (const r of finding.related)
      lines.push(`         ${r.role} ${r.path}:${r.startLine}  ${r.instruction}`);
  }
  const runtime = findingRuntimeError(finding);
  if (runtime !== '' && finding.level !== 'note') lines.push(`      on start: ${runtime}`);
  if (finding.confirmation) lines.push(`      ${confirmationLine(finding.confirmation)}`);
  const closure = finding.libraryClosure;
  if (closure?.kind === 'copy-from') {
    const fresh = closure.copies
      .map((copy) => copyLine(closure.from, copy.source, copy.destination))
      .filter((line) => !copied.has(line));
    fresh.forEach((line) => copied.add(line));
    const end = closure.after.endLine;
    lines.push(
      fresh.length > 0
        ? `      fix: after line ${end} (${closure.after.instruction}), add`
        : '      fix: the COPY lines above cover it',
    );
    for (const line of fresh) lines.push(`        ${line}`);
  } else if (closure) lines.push(`      no exact COPY --from lines: ${closure.reason}`);
  if (finding.suppression) {
    lines.push(`      suppressed (${finding.suppression.source}): ${finding.suppression.reason}`);
  }
  if (finding.baselineState === 'unchanged')
    lines.push('      already in the baseline: does not count for --fail-on');
  return lines;
}

export function formatText(report: ScanReport): string {
  const out: string[] = [];
  const { image, summary } = report;
  out.push(
    `exit139-guard scan of ${image.ref} (${image.platform})${report.dockerfile ? ` with ${report.dockerfile.path}` : ''}`,
  );
  const copied = new Set<string>();
  const groups = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const key = finding.path ?? '';
    const list = groups.get(key);
    if (list) list.push(finding);
    else groups.set(key, [finding]);
  }
  const keys = [...groups.keys()].sort((a, b) =>
    a === '' ? 1 : b === '' ? -1 : a.localeCompare(b),
  );
  for (const key of keys) {
    out.push('', key === '' ? 'the image' : key);
    for (const finding of groups.get(key) ?? []) out.push(...findingText(finding, copied));
  }
  if (report.confirmation) {
    const c = report.confirmation;
    out.push(
      '',
      `run in the engine (${(c.durationMs / 1000).toFixed(1)} s): ${confirmationLine(c.entrypoint)}`,
    );
  }
  const present = report.findings.filter((f) => f.baselineState === 'unchanged').length;
  const baseline = report.findings.some((f) => f.baselineState !== undefined)
    ? `; ${present} of them already in the baseline`
    : '';
  out.push(
    '',
    `${summary.errors} error(s), ${summary.warnings} warning(s), ${summary.notes} note(s) in ${summary.files} files (${summary.elfFiles} ELF), ${summary.durationMs} ms${baseline}`,
  );
  return out.join('\n') + '\n';
}
