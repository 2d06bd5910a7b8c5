/**
 * What the action needs to know about the workflow run: the repository, the event, the pull
 * request (number, head commit, whether it comes from a fork), and the keys that make a sticky
 * comment unique (workflow and job). Read from the runner's environment and event payload.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

export interface PullRequestContext {
  number: number;
  /** The PR head commit: links to Dockerfile lines point there (GITHUB_SHA is the merge commit). */
  headSha: string;
  /** True when the head repository differs from the base: GITHUB_TOKEN is then read-only. */
  fromFork: boolean;
}

export interface RunContext {
  eventName: string;
  owner: string;
  repo: string;
  serverUrl: string;
  workflow: string;
  job: string;
  /** The commit the workflow runs on (GITHUB_SHA) and its ref (GITHUB_REF). */
  sha: string;
  ref: string;
  workspace: string;
  pullRequest: PullRequestContext | null;
}

interface PullRequestPayload {
  number?: number;
  head?: { sha?: string; repo?: { full_name?: string } | null };
  base?: { repo?: { full_name?: string } };
}

function readPayload(eventPath: string | undefined): Record<string, unknown> {
  if (!eventPath) return {};
  try {
    return JSON.parse(readFileSync(eventPath, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(
      `GITHUB_EVENT_PATH ${eventPath}: cannot read the event payload: ${(error as Error).message}`,
    );
  }
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo)
    throw new InputError(`GITHUB_REPOSITORY must be 'owner/repo', not '${repository}'`);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const pr = payload.pull_request as PullRequestPayload | undefined;
  let pullRequest: PullRequestContext | null = null;
  if (pr && typeof pr.number === 'number' && pr.head?.sha) {
    const head = pr.head.repo?.full_name ?? null;
    const base = pr.base?.repo?.full_name ?? repository;
    pullRequest = {
      number: pr.number,
      headSha: pr.head.sha,
      fromFork: head !== null && head !== base,
    };
  }
  return {
    eventName,
    owner,
    repo,
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    pullRequest,
  };
}
