/**
 * The markdown people read on the pull request: the sticky comment and the job summary (the same
 * layout; the comment adds a hidden marker and lists only findings at or above `comment-level`).
 * A headline verdict, the run (commit, link, time), a table with one row per rule and its
 * affected paths with links to the blamed Dockerfile lines at the PR head, and per rule a
 * collapsible block with the evidence, the error at run time and the fix as a diff of the
 * user's own lines; a section per image when there are several. Everything taken from the image goes through src/report/escape.ts.
 */
import type { Finding, Level, RuleMeta, ScanReport } from '../findings.js';
import { findingRuntimeError, isRuleId, ruleMeta } from '../rules/catalog.js';
import { confirmationLine } from './confirmation.js';
import { VERSION } from '../version.js';
import { codeBlock, codeSpan, htmlText, markdownText } from './escape.js';
import { diffText, userLineEdits } from './fix.js';
import { atOrAbove, countFindings, gates, judge, type FailOn } from './gate.js';
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
  /** The lowest level listed; findings below it are counted in one line. Default `note` (all). */
  level?: Level;
  /** Rules counted in that line whatever their level (the comment leaves out EG501). */
  hideRules?: readonly string[];
  /** With a baseline: findings already present do not gate (`fail-on-new-only`). */
  newOnly?: boolean;
  /** The run in the header: the commit, a link to the workflow run, the time. */
  run?: { sha: string; url?: string; time: Date };
  /** The Dockerfile's text (one image), for fixes written as diffs of its lines. */
  dockerfileText?: string;
  /** At most this many paths and Dockerfile lines per table cell (the comment: 5); default 50. */
  cellItems?: number;
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

/** The `## Fix` section of a rule's help: the generic fix, when the user's lines give none. */
function fixSection(meta: RuleMeta): string {
  const match = /## Fix\n\n([\s\S]*?)\n\n## /.exec(meta.helpMarkdown);
  return match ? match[1]! : '';
}

/** The findings of one rule in one image: one table row and one details block. */
interface RuleGroup {
  ruleId: string;
  level: Level;
  findings: Finding[];
}

/** Groups sorted findings by rule, keeping the order of each rule's first (most severe) finding. */
function groupByRule(sorted: readonly Finding[]): RuleGroup[] {
  const groups = new Map<string, RuleGroup>();
  for (const finding of sorted) {
    const key = `${finding.ruleId}\0${finding.level}`;
    const group = groups.get(key);
    if (group) group.findings.push(finding);
    else groups.set(key, { ruleId: finding.ruleId, level: finding.level, findings: [finding] });
  }
  return [...groups.values()];
}

function listCell(items: string[], max = Infinity): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function groupRow(group: RuleGroup, report: ScanReport, options: MarkdownOptions): string {
  const first = group.findings[0]!;
  const paths = [...new Set(group.findings.map((f) => (f.path === null ? '(image)' : f.path)))].map(
    (p) => (p === '(image)' ? p : codeSpan(p, { inTable: true, max: 120 })),
  );
  const lines = [...new Set(group.findings.map((f) => dockerfileCell(f, report, options)))].filter(
    (cell) => cell !== '—',
  );
  const cells = [
    LEVEL_LABEL[group.level],
    ruleCell(first),
    listCell(paths, options.cellItems ?? 50),
    runtimeCell(first),
    lines.length > 0 ? listCell(lines, options.cellItems ?? 50) : '—',
  ];
  return `| ${cells.join(' | ')} |\n`;
}

/**
 * The details of a rule group: what is wrong (the first finding's message and evidence, once),
 * the error at run time (once), and the fix: a diff of the user's own Dockerfile lines when the
 * facts give one (src/report/fix.ts), else the rule's generic fix.
 */
function groupDetails(
  group: RuleGroup,
  dockerfileText: string | undefined,
  paths: RepositoryPaths,
): string {
  const first = group.findings[0]!;
  const meta = metaOf(first);
  const title = meta ? `${meta.name}: ${meta.shortDescription}` : first.ruleId;
  const count = group.findings.length > 1 ? ` (${plural(group.findings.length, 'finding')})` : '';
  const lines = [
    '<details>',
    `<summary><b>${htmlText(first.ruleId)}</b> ${htmlText(title)}${count}</summary>`,
    '',
    markdownText(first.message),
    '',
  ];
  const others = [...new Set(group.findings.slice(1).map((f) => f.path ?? '(image)'))].filter(
    (p) => p !== first.path,
  );
  if (others.length > 0)
    lines.push(
      `The same for ${listCell(
        others.map((p) => codeSpan(p, { max: 120 })),
        5,
      )}; the JSON and SARIF reports give each one's evidence.`,
      '',
    );
  if (first.evidence.length > 0)
    lines.push('**Evidence**', '', codeBlock(first.evidence.join('\n')), '');
  const runtime = findingRuntimeError(first);
  if (runtime !== '') lines.push('**Fails at run time with**', '', codeBlock(runtime), '');
  if (first.confirmation) {
    lines.push('**Run in the engine**', '', codeBlock(confirmationLine(first.confirmation)), '');
  }
  const edits = dockerfileText ? userLineEdits(group.ruleId, group.findings, dockerfileText) : [];
  if (edits.length > 0) {
    lines.push(
      '**Fix** in your Dockerfile',
      '',
      codeBlock(
        diffText(edits, (file) => repositoryRelative(file, paths) ?? file),
        'diff',
      ),
      '',
    );
  } else if (meta) {
    lines.push('**Fix**', '', fixSection(meta), '');
  }
  // Files whose loader or libraries no builder could supply: why, each once.
  const reasons = new Set<string>();
  for (const finding of group.findings) {
    const closure = finding.libraryClosure;
    if (closure?.kind !== 'unavailable') continue;
    reasons.add(
      group.findings.length > 1
        ? `${finding.path ?? '(image)'}: ${closure.reason}`
        : closure.reason,
    );
  }
  if (reasons.size > 0)
    lines.push('**Why no exact `COPY --from` lines**', '', codeBlock([...reasons].join('\n')), '');
  if (meta) lines.push(`[${meta.id} ${meta.name}](${ruleHelpUri(meta.id)})`, '');
  lines.push('</details>', '');
  return lines.join('\n') + '\n';
}

/** Findings already present in the baseline: counted, listed folded, not gating. */
function baselineSection(present: Finding[]): string {
  if (present.length === 0) return '';
  const rows = groupByRule(present).map(
    (g) =>
      `| ${LEVEL_LABEL[g.level]} | ${markdownText(g.ruleId)} | ${listCell(
        [...new Set(g.findings.map((f) => f.path ?? '(image)'))].map((p) =>
          codeSpan(p, { inTable: true, max: 120 }),
        ),
        5,
      )} |\n`,
  );
  return [
    `<details>\n<summary>${plural(present.length, 'finding')} already present on the base branch (not gating)</summary>\n\n`,
    '| Level | Rule | Image paths |\n| --- | --- | --- |\n',
    ...rows,
    '\n</details>\n\n',
  ].join('');
}

/** One image of the comment: its report, how the user named it, and its Dockerfile's text. */
export interface ImageSection {
  report: ScanReport;
  /** The image as the user gave it (a reference or a workspace-relative path). */
  name?: string;
  /** The platform the user asked for; default the image's own. */
  platform?: string;
  /** The Dockerfile's text, for fixes written as diffs of its lines. */
  dockerfileText?: string;
}

/** What each image shows: the findings at or above the level, and the rest counted. */
interface SectionParts {
  section: ImageSection;
  shown: Finding[];
  below: Finding[];
  present: Finding[];
  suppressed: Finding[];
}

function partsOf(section: ImageSection, options: MarkdownOptions): SectionParts {
  const level = options.level ?? 'note';
  const hidden = new Set(options.hideRules ?? []);
  const active = sortFindings(
    section.report.findings.filter((f) => !f.suppression),
    section.report,
  );
  const present = active.filter((f) => f.baselineState === 'unchanged');
  const current = active.filter((f) => f.baselineState !== 'unchanged');
  return {
    section,
    shown: current.filter((f) => atOrAbove(f.level, level) && !hidden.has(f.ruleId)),
    below: current.filter((f) => !atOrAbove(f.level, level) || hidden.has(f.ruleId)),
    present,
    suppressed: sortFindings(
      section.report.findings.filter((f) => f.suppression),
      section.report,
    ),
  };
}

function countsText(findings: readonly Finding[]): string {
  const counts = countFindings(findings);
  return [
    plural(counts.errors, 'error'),
    plural(counts.warnings, 'warning'),
    plural(counts.notes, 'note'),
  ].join(', ');
}

/** `3 notes (EG403, EG501) are not listed here: …`, or ''. */
function belowLine(below: readonly Finding[]): string {
  if (below.length === 0) return '';
  const rules = [...new Set(below.map((f) => f.ruleId))].sort().join(', ');
  const levels = [...new Set(below.map((f) => f.level))];
  const what =
    levels.length === 1 ? plural(below.length, levels[0]!) : plural(below.length, 'finding');
  return `${what} (${markdownText(rules)}) ${below.length === 1 ? 'is' : 'are'} not listed here: the job summary and the SARIF report have ${below.length === 1 ? 'it' : 'them'}.\n\n`;
}

function subjectOf(section: ImageSection, options: RepositoryPaths): string {
  const { report } = section;
  const platform = section.platform || report.image.platform;
  const target = namedTarget(report.dockerfile?.target);
  const dockerfile = report.dockerfile
    ? `, built from ${codeSpan(repositoryRelative(report.dockerfile.path, options) ?? report.dockerfile.path)}` +
      (target ? ` (target ${codeSpan(target)})` : '')
    : '';
  return `${codeSpan(section.name ?? report.image.ref)} (${markdownText(platform)})${dockerfile}`;
}

/** `commit abc1234 · run 7001 · 2026-11-30 07:40 UTC`, from what the run knows. */
function runLine(options: MarkdownOptions): string {
  const run = options.run;
  if (!run) return '';
  const parts: string[] = [];
  if (run.sha) {
    const short = codeSpan(run.sha.slice(0, 7));
    parts.push(
      options.links
        ? `commit [${short}](${options.links.serverUrl}/${options.links.repository}/commit/${run.sha})`
        : `commit ${short}`,
    );
  }
  if (run.url) parts.push(`[workflow run](${run.url})`);
  parts.push(`${run.time.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  return `<sub>${parts.join(' · ')}</sub>\n\n`;
}

function headline(all: SectionParts[], options: MarkdownOptions): string {
  const findings = all.flatMap((p) => p.section.report.findings);
  const verdict = judge(findings, options.failOn, options.newOnly ?? false);
  const shown = all.flatMap((p) => p.shown);
  const gating = findings.filter(
    (f) => gates(f, options.newOnly ?? false) && atOrAbove(f.level, options.failOn),
  );
  const many = all.length > 1;
  let title: string;
  if (verdict === 'fail') {
    title = gating.some((f) => f.level === 'error')
      ? `❌ exit139-guard: ${many ? 'an image' : 'this image'} will fail on start`
      : `❌ exit139-guard: findings at or above \`fail-on: ${options.failOn}\``;
  } else if (shown.length > 0) {
    title = `✅ exit139-guard: passed, with findings below \`fail-on: ${options.failOn}\``;
  } else {
    title = '✅ exit139-guard: passing';
  }
  return `### ${title}\n\n`;
}

/** The summary sentence of one image: counts and what it is. */
function sectionIntro(parts: SectionParts, options: MarkdownOptions): string {
  const subject = subjectOf(parts.section, options);
  const counted = [...parts.shown, ...parts.below];
  const suppressed = parts.suppressed.length;
  const extra = [
    parts.present.length > 0 ? `${parts.present.length} already present` : '',
    suppressed > 0 ? `${suppressed} suppressed` : '',
  ].filter(Boolean);
  const tail = extra.length > 0 ? ` (${extra.join(', ')})` : '';
  if (counted.length === 0 && parts.present.length === 0)
    return `Every ELF file, entrypoint and script of ${subject} was checked against the loader, libraries and platform of the image: no problems found${tail}.\n\n`;
  const isNew = parts.present.length > 0 ? 'new ' : '';
  return `**${countsText(counted).replace(/(\d+) (error|warning|note)/g, `$1 ${isNew}$2`)}**${tail} in ${subject}.\n\n`;
}

const TABLE_HEAD =
  '| Level | Rule | Image paths | What fails at run time | Dockerfile |\n| --- | --- | --- | --- | --- |\n';

/**
 * The comment or summary body for one image or several (a section per image). When it would
 * exceed the limit, details are dropped from the end first, then table rows, and a note says how
 * many are not shown: a body GitHub rejects would show nothing at all.
 */
export function renderSections(
  sections: readonly ImageSection[],
  options: MarkdownOptions,
): string {
  const limit = options.limit ?? { max: COMMENT_MAX_CHARS, measure: (text: string) => text.length };
  const all = sections.map((s) => partsOf(s, options));
  const marker = options.marker ? `<!-- ${options.marker} -->\n` : '';
  const head = marker + headline(all, options) + runLine(options);
  const many = sections.length > 1;

  interface Built {
    intro: string;
    rows: string[];
    details: string[];
    after: string;
  }
  const built: Built[] = all.map((parts) => {
    const groups = groupByRule(parts.shown);
    const title = many
      ? `#### ${codeSpan(parts.section.name ?? parts.section.report.image.ref)} (${markdownText(parts.section.platform || parts.section.report.image.platform)})\n\n`
      : '';
    return {
      intro: title + sectionIntro(parts, options),
      rows: groups.map((g) => groupRow(g, parts.section.report, options)),
      details: groups.map((g) => groupDetails(g, parts.section.dockerfileText, options)),
      after:
        belowLine(parts.below) +
        baselineSection(parts.present) +
        suppressedSection(parts.suppressed),
    };
  });
  const tail = footer(sections.map((s) => s.report));
  const totalGroups = built.reduce((n, b) => n + b.rows.length, 0);

  const assemble = (shownRows: number, shownDetails: number): string => {
    const out = [head];
    let rowBudget = shownRows;
    let detailBudget = shownDetails;
    for (const b of built) {
      out.push(b.intro);
      const rows = b.rows.slice(0, Math.max(0, rowBudget));
      const details = b.details.slice(0, Math.max(0, detailBudget));
      rowBudget -= b.rows.length;
      detailBudget -= b.details.length;
      if (rows.length > 0) out.push(TABLE_HEAD, ...rows, '\n', ...details);
      out.push(b.after);
    }
    if (shownRows < totalGroups || shownDetails < totalGroups) {
      out.push(
        `> [!NOTE]\n> This text is cut to GitHub's size limit: ${shownRows} of ${totalGroups} rules are in the table and ` +
          `${shownDetails} have details. The SARIF and JSON reports list every finding.\n\n`,
      );
    }
    out.push(tail);
    return out.join('');
  };

  let shownRows = totalGroups;
  let shownDetails = totalGroups;
  let body = assemble(shownRows, shownDetails);
  if (limit.measure(body) <= limit.max) return body;
  // Pieces are measured once each so that cutting stays linear in the number of rows; 400 leaves
  // room for the note about the cut.
  const rows = built.flatMap((b) => b.rows);
  const details = built.flatMap((b) => b.details);
  const sum = (pieces: string[]) =>
    pieces.reduce((total, piece) => total + limit.measure(piece), 0);
  let total =
    limit.measure(head + tail) +
    sum(built.map((b) => b.intro + b.after + TABLE_HEAD)) +
    sum(rows) +
    sum(details) +
    400;
  while (total > limit.max && shownDetails > 0) {
    shownDetails--;
    total -= limit.measure(details[shownDetails]!);
  }
  while (total > limit.max && shownRows > 0) {
    shownRows--;
    total -= limit.measure(rows[shownRows]!);
  }
  body = assemble(shownRows, shownDetails);
  // The folded lists (suppressed, already present) can be long too; as a last resort they go.
  if (limit.measure(body) <= limit.max) return body;
  for (const b of built) b.after = belowLine(all[built.indexOf(b)]!.below);
  return assemble(shownRows, shownDetails);
}

function footer(reports: readonly ScanReport[]): string {
  const files = reports.reduce((n, r) => n + r.summary.files, 0);
  const elf = reports.reduce((n, r) => n + r.summary.elfFiles, 0);
  return `<sub>exit139-guard ${VERSION} · ${plural(files, 'file')}, ${plural(elf, 'ELF file')} checked</sub>\n`;
}

/** One image's comment or summary body: {@link renderSections} with one section. */
export function renderMarkdown(report: ScanReport, options: MarkdownOptions): string {
  return renderSections(
    [
      {
        report,
        ...(options.platform ? { platform: options.platform } : {}),
        ...(options.dockerfileText ? { dockerfileText: options.dockerfileText } : {}),
      },
    ],
    options,
  );
}
