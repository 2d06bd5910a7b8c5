/**
 * The markdown people read on the pull request: the sticky comment and the job summary (the same
 * text; the comment adds a hidden marker). A headline verdict, a table of findings with links to
 * the blamed Dockerfile lines at the PR head, and per finding a collapsible block with evidence
 * and the fix. Everything taken from the image goes through src/report/escape.ts.
 */
import type { Finding, Level, RuleMeta, ScanReport } from '../findings.js';
import { findingRuntimeError, isRuleId, ruleMeta } from '../rules/catalog.js';
import { confirmationLine } from './confirmation.js';
import { VERSION } from '../version.js';
import { codeBlock, codeSpan, htmlText, markdownText } from './escape.js';
import { countFindings, judge, type FailOn } from './gate.js';
import {
  lineSpan,
  namedTarget,
  primaryRange,
  repositoryRelative,
  type RepositoryPaths,
} from './locate.js';
import { ruleHelpUri } from './sarif.js';

/** GitHub rejects issue comments longer than this (422 "body is too long"). */
export const COMMENT_MAX_CHARS = 65_536;
/** GitHub drops a step summary larger than this many bytes. */
export const SUMMARY_MAX_BYTES = 1_048_576;

export interface MarkdownOptions extends RepositoryPaths {
  failOn: FailOn;
  /** Where links to Dockerfile lines point: the repository at the PR head commit. */
  links?: { serverUrl: string; repository: string; sha: string };
  /** Prepended as an HTML comment: how the sticky comment finds itself again. */
  marker?: string;
  /** The size limit and how it is measured (characters for comments, bytes for summaries). */
  limit?: { max: number; measure: (text: string) => number };
  /** The platform the user asked for; default the image's own. */
  platform?: string;
}

const LEVEL_LABEL: Record<Level, string> = {
  error: '🛑 error',
  warning: '⚠️ warning',
  note: 'ℹ️ note',
};

const LEVEL_ORDER: Record<Level, number> = { error: 0, warning: 1, note: 2 };

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Findings most severe first, then by Dockerfile line, rule and path, so the table reads top-down. */
export function sortFindings(findings: readonly Finding[], report: ScanReport): Finding[] {
  return [...findings].sort(
    (a, b) =>
      LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
      (primaryRange(a, report)?.startLine ?? 0) - (primaryRange(b, report)?.startLine ?? 0) ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.path ?? '').localeCompare(b.path ?? ''),
  );
}

function metaOf(finding: Finding): RuleMeta | null {
  return isRuleId(finding.ruleId) ? ruleMeta(finding.ruleId) : null;
}

function dockerfileCell(finding: Finding, report: ScanReport, options: MarkdownOptions): string {
  // A container's finding points at its manifest line, where the pod spec decided.
  const range = finding.manifest ?? primaryRange(finding, report);
  if (!range) return '—';
  const relative = repositoryRelative(range.path, options);
  const label = `${relative ?? range.path}:${lineSpan(range)}`;
  if (!options.links || relative === null) return codeSpan(label, { inTable: true });
  const { serverUrl, repository, sha } = options.links;
  const anchor =
    range.endLine > range.startLine
      ? `L${range.startLine}-L${range.endLine}`
      : `L${range.startLine}`;
  const url = `${serverUrl}/${repository}/blob/${sha}/${relative.split('/').map(encodeURIComponent).join('/')}#${anchor}`;
  return `[${markdownText(label)}](${url})`;
}

function ruleCell(finding: Finding): string {
  const meta = metaOf(finding);
  if (!meta) return markdownText(finding.ruleId);
  return `[${meta.id}](${ruleHelpUri(meta.id)}) ${meta.name}`;
}

function runtimeCell(finding: Finding): string {
  const runtime = findingRuntimeError(finding).split('\n')[0]!;
  return runtime === '' ? '—' : codeSpan(runtime, { inTable: true, max: 160 });
}

function tableRow(finding: Finding, report: ScanReport, options: MarkdownOptions): string {
  const path =
    finding.path === null ? '(image)' : codeSpan(finding.path, { inTable: true, max: 120 });
  const cells = [
    LEVEL_LABEL[finding.level],
    ruleCell(finding),
    path,
    runtimeCell(finding),
    dockerfileCell(finding, report, options),
  ];
  return `| ${cells.join(' | ')} |\n`;
}

/** The `## Fix` section of a rule's help. */
function fixSection(meta: RuleMeta): string {
  const match = /## Fix\n\n([\s\S]*?)\n\n## /.exec(meta.helpMarkdown);
  return match ? match[1]! : '';
}

function detailsBlock(finding: Finding): string {
  const meta = metaOf(finding);
  const title = meta ? meta.shortDescription : finding.ruleId;
  const where = finding.path === null ? 'the image' : `<code>${htmlText(finding.path, 120)}</code>`;
  const lines = [
    '<details>',
    `<summary><b>${htmlText(finding.ruleId)}</b> ${where}: ${htmlText(title)}</summary>`,
    '',
    markdownText(finding.message),
    '',
  ];
  if (finding.evidence.length > 0) {
    lines.push('**Evidence**', '', codeBlock(finding.evidence.join('\n')), '');
  }
  const runtime = findingRuntimeError(finding);
  if (runtime !== '') lines.push('**Fails at run time with**', '', codeBlock(runtime), '');
  if (finding.confirmation) {
    lines.push('**Run in the engine**', '', codeBlock(confirmationLine(finding.confirmation)), '');
  }
  if (meta)
    lines.push(
      '**Fix**',
      '',
      fixSection(meta),
      '',
      `[${meta.id} ${meta.name}](${ruleHelpUri(meta.id)})`,
      '',
    );
  lines.push('</details>', '');
  return lines.join('\n') + '\n';
}

function suppressedSection(suppressed: Finding[]): string {
  if (suppressed.length === 0) return '';
  const rows = suppressed.map((f) => {
    const s = f.suppression!;
    const expiry = s.expires ? ` (until ${s.expires})` : '';
    return `| ${markdownText(f.ruleId)} | ${f.path === null ? '(image)' : codeSpan(f.path, { inTable: true, max: 120 })} | ${markdownText(s.reason, 300)}${expiry} | ${codeSpan(s.source, { inTable: true })} |\n`;
  });
  return [
    `<details>\n<summary>${plural(suppressed.length, 'suppressed finding')}</summary>\n\n`,
    '| Rule | Image path | Reason | Where |\n| --- | --- | --- | --- |\n',
    ...rows,
    '\n</details>\n\n',
  ].join('');
}

function headline(report: ScanReport, options: MarkdownOptions): string {
  const counts = countFindings(report.findings);
  const verdict = judge(report.findings, options.failOn);
  const total = counts.errors + counts.warnings + counts.notes;
  const countText =
    [
      plural(counts.errors, 'error'),
      plural(counts.warnings, 'warning'),
      plural(counts.notes, 'note'),
    ].join(', ') + (counts.suppressed > 0 ? ` (${counts.suppressed} suppressed)` : '');
  let title: string;
  if (verdict === 'fail') {
    title =
      counts.errors > 0
        ? '❌ exit139-guard: this image will fail on start'
        : `❌ exit139-guard: findings at or above \`fail-on: ${options.failOn}\``;
  } else if (total > 0) {
    title = `✅ exit139-guard: passed, with findings below \`fail-on: ${options.failOn}\``;
  } else {
    title = '✅ exit139-guard: no problems found';
  }
  const platform = options.platform || report.image.platform;
  const target = namedTarget(report.dockerfile?.target);
  const dockerfile = report.dockerfile
    ? `, built from ${codeSpan(repositoryRelative(report.dockerfile.path, options) ?? report.dockerfile.path)}` +
      (target ? ` (target ${codeSpan(target)})` : '')
    : '';
  const subject = `${codeSpan(report.image.ref)} (${markdownText(platform)})${dockerfile}`;
  const body =
    total > 0
      ? `**${countText}** in ${subject}.`
      : `Every ELF file, entrypoint and script of ${subject} was checked against the loader, libraries and platform of the image` +
        (counts.suppressed > 0 ? `; ${plural(counts.suppressed, 'finding')} suppressed.` : '.');
  return `### ${title}\n\n${body}\n\n`;
}

function footer(report: ScanReport): string {
  return `<sub>exit139-guard ${VERSION} · ${plural(report.summary.files, 'file')}, ${plural(report.summary.elfFiles, 'ELF file')} checked</sub>\n`;
}

/**
 * The comment or summary body. When it would exceed the limit, details are dropped from the end
 * first, then table rows, and a note says how many are not shown: a body GitHub rejects would
 * show nothing at all.
 */
export function renderMarkdown(report: ScanReport, options: MarkdownOptions): string {
  const limit = options.limit ?? { max: COMMENT_MAX_CHARS, measure: (text: string) => text.length };
  const active = sortFindings(
    report.findings.filter((f) => !f.suppression),
    report,
  );
  const suppressed = sortFindings(
    report.findings.filter((f) => f.suppression),
    report,
  );
  const marker = options.marker ? `<!-- ${options.marker} -->\n` : '';
  const head = marker + headline(report, options);
  const tableHead =
    '| Level | Rule | Image path | What fails at run time | Dockerfile |\n| --- | --- | --- | --- | --- |\n';
  const rows = active.map((f) => tableRow(f, report, options));
  const details = active.map((f) => detailsBlock(f));
  const suppressedText = suppressedSection(suppressed);
  const tail = footer(report);

  const assemble = (shownRows: number, shownDetails: number): string => {
    const parts = [head];
    if (active.length > 0)
      parts.push(tableHead, ...rows.slice(0, shownRows), '\n', ...details.slice(0, shownDetails));
    if (shownRows < active.length || shownDetails < active.length) {
      parts.push(
        `> [!NOTE]\n> This text is cut to GitHub's size limit: ${shownRows} of ${active.length} findings are in the table and ` +
          `${shownDetails} have details. The SARIF and JSON reports list all of them.\n\n`,
      );
    }
    parts.push(suppressedText, tail);
    return parts.join('');
  };

  let shownRows = active.length;
  let shownDetails = active.length;
  let body = assemble(shownRows, shownDetails);
  if (limit.measure(body) <= limit.max) return body;
  // Pieces are measured once each so that cutting stays linear in the number of findings; 400
  // leaves room for the note about the cut.
  const sum = (pieces: string[]) =>
    pieces.reduce((total, piece) => total + limit.measure(piece), 0);
  let total =
    limit.measure(head + tableHead + suppressedText + tail) + sum(rows) + sum(details) + 400;
  while (total > limit.max && shownDetails > 0) {
    shownDetails--;
    total -= limit.measure(details[shownDetails]!);
  }
  while (total > limit.max && shownRows > 0) {
    shownRows--;
    total -= limit.measure(rows[shownRows]!);
  }
  body = assemble(shownRows, shownDetails);
  // The suppressed list can be long too; as a last resort it goes.
  return limit.measure(body) <= limit.max ? body : body.replace(suppressedText, '');
}
