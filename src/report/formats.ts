/**
 * The reports the CLI writes besides text and JSON: `--format sarif` and `--format markdown` give
 * the same SARIF and comment body the action produces. Paths in them are relative to the
 * repository root, found from the working directory as git does.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Level, ScanReport } from '../findings.js';
import type { FailOn } from './gate.js';
import { renderMarkdown } from './markdown.js';
import { toSarif } from './sarif.js';

export const REPORT_FORMATS = ['sarif', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The nearest directory at or above `start` that holds `.git`; `start` itself when none does. */
export function findRepositoryRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}

export interface FormatOptions {
  failOn: FailOn;
  /** Default process.cwd(). */
  cwd?: string;
  platform?: string;
  category?: string;
  /** The Dockerfile's text: markdown writes fixes as diffs of its lines. */
  dockerfileText?: string;
  /** Markdown: findings already in the baseline do not gate. */
  newOnly?: boolean;
  /** Markdown: the comment's level and the rules it leaves out (default: everything listed). */
  level?: Level;
  hideRules?: readonly string[];
}

export function formatReport(
  report: ScanReport,
  format: ReportFormat,
  options: FormatOptions,
): string {
  const cwd = options.cwd ?? process.cwd();
  const paths = { repositoryRoot: findRepositoryRoot(cwd), cwd };
  const platform = options.platform ? { platform: options.platform } : {};
  if (format === 'sarif') {
    return (
      JSON.stringify(
        toSarif(report, {
          ...paths,
          ...platform,
          ...(options.category ? { category: options.category } : {}),
        }),
        null,
        2,
      ) + '\n'
    );
  }
  return renderMarkdown(report, {
    ...paths,
    ...platform,
    failOn: options.failOn,
    ...(options.dockerfileText !== undefined ? { dockerfileText: options.dockerfileText } : {}),
    ...(options.newOnly ? { newOnly: true } : {}),
    ...(options.level ? { level: options.level } : {}),
    ...(options.hideRules ? { hideRules: options.hideRules } : {}),
  });
}
