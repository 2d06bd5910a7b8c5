/**
 * The sticky pull request comment: one per workflow + job + Dockerfile + target + platform (and
 * category, when given), found
 * again by a hidden marker at the start of its body and updated in place, so a matrix of images
 * gets one comment each and re-runs do not pile up comments. Without permission to write (fork
 * pull requests get a read-only GITHUB_TOKEN) the comment is skipped with a reason, never failed.
 */
import { createHash } from 'node:crypto';
import type { getOctokit } from '@actions/github';

type Octokit = ReturnType<typeof getOctokit>;

export interface CommentKey {
  workflow: string;
  job: string;
  dockerfile: string;
  target: string;
  platform: string;
  /**
   * The `category` input, '' when not given: it tells apart the images of a matrix that share the
   * job, Dockerfile, target and platform (e.g. different build args).
   */
  category: string;
}

/** The marker text (inside `<!-- -->`); a hash, so no workflow name can end the HTML comment. */
export function commentMarker(key: CommentKey): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        key.workflow,
        key.job,
        key.dockerfile,
        key.target,
        key.platform,
        key.category,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  return `exit139-guard:sticky:${digest}`;
}

export type CommentOutcome =
  | { action: 'created' | 'updated'; url: string; id: number }
  | { action: 'skipped'; reason: string };

export interface UpsertOptions {
  owner: string;
  repo: string;
  issueNumber: number;
  marker: string;
  body: string;
  /** When false, a clean result updates an existing comment but does not open a new one. */
  createIfMissing: boolean;
  fromFork: boolean;
}

function status(error: unknown): number | null {
  const value = (error as { status?: unknown }).status;
  return typeof value === 'number' ? value : null;
}

function noPermission(options: UpsertOptions, error: unknown): CommentOutcome {
  const why = options.fromFork
    ? 'pull requests from forks get a read-only GITHUB_TOKEN'
    : 'the token lacks `pull-requests: write` (set `permissions: pull-requests: write` in the workflow)';
  return {
    action: 'skipped',
    reason: `could not write the pull request comment (HTTP ${status(error)}): ${why}. The findings are in the job summary and the annotations.`,
  };
}

export async function upsertComment(
  octokit: Octokit,
  options: UpsertOptions,
): Promise<CommentOutcome> {
  const { owner, repo, issueNumber, marker, body } = options;
  const opening = `<!-- ${marker} -->`;
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    const existing = comments.find((c) => (c.body ?? '').startsWith(opening));
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: existing.id,
        body,
      });
      return { action: 'updated', url: data.html_url, id: data.id };
    }
    if (!options.createIfMissing) {
      return {
        action: 'skipped',
        reason:
          'nothing to report at or above the comment level and no earlier comment to update: no comment needed.',
      };
    }
    const { data } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body,
    });
    return { action: 'created', url: data.html_url, id: data.id };
  } catch (error) {
    const code = status(error);
    if (code === 403 || code === 404) return noPermission(options, error);
    throw error;
  }
}
