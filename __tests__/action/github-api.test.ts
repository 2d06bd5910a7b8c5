import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGitHub } from './github-api.js';

// The fake API must reject what GitHub would reject, or the action tests prove nothing.
describe('the fake GitHub API', () => {
  const api = new FakeGitHub({ owner: 'acme', repo: 'shop' });
  beforeAll(() => api.start());
  afterAll(() => api.stop());

  async function call(method: string, path: string, body?: unknown, token = 'token ghs_x') {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.status;
  }

  it('accepts documented requests and answers with the documented example shape', async () => {
    expect(await call('POST', '/repos/acme/shop/issues/42/comments', { body: 'hello' })).toBe(201);
    const list = await fetch(`${api.url}/repos/acme/shop/issues/42/comments?per_page=100`, {
      headers: { authorization: 'token x' },
    });
    const comments = (await list.json()) as {
      id: number;
      body: string;
      html_url: string;
      user: { login: string };
    }[];
    expect(comments.map((c) => [c.body, c.user.login])).toEqual([['hello', 'github-actions[bot]']]);
    expect(api.problems).toEqual([]);
  });

  it.each([
    ['POST', '/repos/acme/shop/issues/42/comments', {}, "body: required field 'body' is missing"],
    [
      'POST',
      '/repos/acme/shop/issues/42/comments',
      { body: 7 },
      'body.body: expected string, got integer',
    ],
    [
      'POST',
      '/repos/acme/shop/issues/42/comments',
      { body: 'x', sticky: true },
      "body: field 'sticky' is not in the API description",
    ],
    [
      'POST',
      '/repos/acme/shop/issues/forty-two/comments',
      { body: 'x' },
      "path parameter 'issue_number' must be integer, got 'forty-two'",
    ],
    [
      'GET',
      '/repos/acme/shop/issues/42/comments?perpage=100',
      undefined,
      "query parameter 'perpage' is not in the API description",
    ],
    [
      'POST',
      '/repos/acme/shop/code-scanning/sarifs',
      { commit_sha: 'abc', ref: 'refs/heads/main', sarif: 'H4sI' },
      'body.commit_sha: ',
    ],
    [
      'POST',
      '/repos/acme/shop/issues/comments',
      { body: 'x' },
      'no such operation in the API description',
    ],
  ])('rejects %s %s %j', async (method, path, body, problem) => {
    const before = api.problems.length;
    expect(await call(method, path, body)).not.toBeLessThan(400);
    expect(api.problems.slice(before).join('\n')).toContain(problem);
  });

  it('rejects a request without a token', async () => {
    const before = api.problems.length;
    await call('GET', '/repos/acme/shop/issues/42/comments', undefined, '');
    expect(api.problems.slice(before)).toEqual([
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments: no token in Authorization',
    ]);
  });
});
