/**
 * Where a finding is shown in the repository: the Dockerfile path relative to the repository
 * root, and the line range to blame. Shared by SARIF, annotations and the comment so that all
 * three point at the same line.
 */
import path from 'node:path';
import type { DockerfileRange, Finding, ScanReport } from '../findings.js';

export interface RepositoryPaths {
  /** Absolute path of the repository root (GITHUB_WORKSPACE for the action). */
  repositoryRoot: string;
  /** The directory relative Dockerfile paths in the report are relative to; default cwd. */
  cwd?: string;
}

/**
 * The path of `file` relative to the repository root, with `/` separators; null when the file is
 * outside the repository (it then has no place in a repository URI).
 */
export function repositoryRelative(file: string, paths: RepositoryPaths): string | null {
  const absolute = path.resolve(paths.cwd ?? process.cwd(), file);
  const relative = path.relative(path.resolve(paths.repositoryRoot), absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
  return relative.split(path.sep).join('/');
}

/**
 * The line to blame: the finding's own, else the final stage's FROM (findings about the image as
 * a whole, or those a rule could not place), else none (no Dockerfile given).
 */
export function primaryRange(finding: Finding, report: ScanReport): DockerfileRange | null {
  return finding.dockerfile ?? report.dockerfile?.finalFrom ?? null;
}

/** `startLine` alone or `startLine-endLine`, as people write line ranges. */
export function lineSpan(range: { startLine: number; endLine: number }): string {
  return range.endLine > range.startLine
    ? `${range.startLine}-${range.endLine}`
    : `${range.startLine}`;
}

/**
 * The build target as the user would name it: `docker build --target` only takes stage names, so
 * a numeric target is the unnamed last stage the build used by default, and is left out.
 */
export function namedTarget(target: string | null | undefined): string | null {
  return target && !/^\d+$/.test(target) ? target : null;
}
