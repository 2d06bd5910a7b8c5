import { afterEach, describe, expect, it } from '@jest/globals';
import { getOctokit } from '@actions/github';
import { commentMarker, upsertComment } from '../../src/github/comment.js';
import { FakeGitHub, seedComment } from './github-api.js';

const KEY = {
  workflow: 'images',
  job: 'scan',
  dockerfile: 'Dockerfile',
  target: '',
  platform: 'linux/amd64',
  category: '',
};
let api: FakeGitHub | null = null;

afterEach(async () => {
  await api?.stop();
  api = null;
});

async function start(readOnly = false) {
  api = new FakeGitHub({ owner: 'acme', repo: 'shop', readOnly });
  await api.start();
  return { api, octokit: getOctokit('ghs_test', { baseUrl: api.url }) };
}

function upsert(
  octokit: ReturnType<typeof getOctokit>,
  body: string,
  extra: Partial<Parameters<typeof upsertComment>[1]> = {},
) {
  const marker = commentMarker(KEY);
  return upsertComment(octokit, {
    owner: 'acme',
    repo: 'shop',
    issueNumber: 42,
    marker,
    body: `<!-- ${marker} -->\n${body}`,
    createIfMissing: true,
    fromFork: false,
    ...extra,
  });
}

describe('the sticky comment', () => {
  it('has one marker per workflow, job, Dockerfile, target, platform and category', () => {
    const markers = new Set([
      commentMarker(KEY),
      commentMarker({ ...KEY, workflow: 'other' }),
      commentMarker({ ...KEY, job: 'scan-arm' }),
      commentMarker({ ...KEY, dockerfile: 'api/Dockerfile' }),
      commentMarker({ ...KEY, target: 'debug' }),
      commentMarker({ ...KEY, platform: 'linux/arm64' }),
      commentMarker({ ...KEY, category: 'api-debug' }),
    ]);
    expect(markers.size).toBe(7);
    expect(commentMarker({ ...KEY, workflow: 'x --> <b>' })).toMatch(
      /^exit139-guard:sticky:[0-9a-f]{16}$/,
    );
  });

  it('finds its comment on a later page and updates it, ignoring people who quote the marker', async () => {
    const { api, octokit } = await start();
    const marker = commentMarker(KEY);
    for (let i = 0; i < 130; i++) seedComment(api, 42, `LGTM ${i}`);
    seedComment(api, 42, `> <!-- ${marker} -->\nquoted by a reviewer`);
    const ours = seedComment(api, 42, `<!-- ${marker} -->\nold findings`);
    seedComment(
      api,
      42,
      `<!-- ${commentMarker({ ...KEY, platform: 'linux/arm64' })} -->\nthe arm64 image`,
    );
    const outcome = await upsert(octokit, 'new findings');
    expect(outcome).toEqual({
      action: 'updated',
      id: ours.id,
      url: `https://github.com/acme/shop/pull/42#issuecomment-${ours.id}`,
    });
    expect(ours.body).toBe(`<!-- ${marker} -->\nnew findings`);
    expect(api.requests.map((r) => `${r.method} ${r.query.page ?? '1'}`)).toEqual([
      'GET 1',
      'GET 2',
      'PATCH 1',
    ]);
    expect(api.problems).toEqual([]);
  });

  it('does not open a new comment for a clean result', async () => {
    const { api, octokit } = await start();
    expect(await upsert(octokit, 'clean', { createIfMissing: false })).toEqual({
      action: 'skipped',
      reason:
        'nothing to report at or above the comment level and no earlier comment to update: no comment needed.',
    });
    expect(api.comments).toEqual([]);
  });

  it('reports a missing permission as a reason, not an error', async () => {
    const { octokit } = await start(true);
    expect(await upsert(octokit, 'x')).toEqual({
      action: 'skipped',
      reason:
        'could not write the pull request comment (HTTP 403): the token lacks `pull-requests: write` (set `permissions: pull-requests: write` in the workflow). The findings are in the job summary and the annotations.',
    });
  });
});
