/**
 * The comment as people see it: rendered by cmark-gfm with github.com's extensions and looked at
 * in headless Chromium. The table keeps its five columns whatever the file names hold, nothing
 * from the image becomes HTML, a link or a mention, and the demo comment reads as intended.
 * `UPDATE_SCREENSHOT=1` rewrites docs/comment.png, the picture in the README, from the demo
 * (install Debian's fonts-noto-color-emoji first, or the level icons show as boxes).
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyPolicy, EMPTY_CONFIG } from '../../src/config/index.js';
import type { Finding } from '../../src/findings.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { scan } from '../../src/scan.js';
import { lookAt, missingRenderTools, screenshot, type PageFacts } from '../support/gfm.js';
import { reportSkip } from '../support/skip.js';
import { exampleFindings, exampleReport, range } from './fixtures.js';

const REPO = '/home/runner/work/acme/acme';
const DOCKERFILE = `${REPO}/Dockerfile`;
const LINKS = {
  serverUrl: 'https://github.com',
  repository: 'acme/acme',
  sha: 'c0ffee'.padEnd(40, '0'),
};
/** The only HTML the reporter writes, plus what GFM makes of markdown. */
const ALLOWED_TAGS = [
  'a',
  'b',
  'blockquote',
  'code',
  'details',
  'h3',
  'h4',
  'p',
  'pre',
  'strong',
  'sub',
  'summary',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
];
const HEAD = ['Level', 'Rule', 'Image paths', 'What fails at run time', 'Dockerfile'];

const missing = missingRenderTools();
if (missing)
  reportSkip('the rendered comment', `${missing} not installed (Debian cmark-gfm, chromium)`);
const maybe = missing ? it.skip : it;

function hostile(name: string): Finding {
  return {
    ruleId: 'EG103',
    level: 'error',
    path: name,
    message: `The library libx.so.1 needed by ${name} is not found.`,
    evidence: [`needed by ${name}`, '```', '</details><img src=x onerror=alert(1)>', '| a | b |'],
    dockerfile: range(7, 'placed', 'COPY --from=build /out/ /', DOCKERFILE),
    related: [],
    suppression: null,
  };
}

function expectOnlyOurs(page: PageFacts): void {
  expect(page.tags.filter((t) => !ALLOWED_TAGS.includes(t))).toEqual([]);
  for (const href of page.links)
    expect(href).toMatch(
      /^https:\/\/github\.com\/(exit139-guard\/exit139-guard\/blob\/v[\d.]+\/docs\/rules\/EG\d{3}\.md|acme\/acme\/(blob|commit)\/c0ffee0+(\/[\w./-]*Dockerfile#L\d+)?|acme\/acme\/actions\/runs\/\d+)$/,
    );
  // GitHub links `@name` and `#123` in prose; the reporter breaks them with a word joiner.
  expect(page.prose).not.toMatch(/(^|[^\w\u2060])@[A-Za-z0-9]/);
  expect(page.prose).not.toMatch(/(^|\s)#\d/);
}

describe('the comment as rendered by GitHub-flavoured markdown in a browser', () => {
  maybe('keeps its table, and shows hostile names as text', () => {
    const names = [
      '/x|y`z` [a](https://evil.example) @octocat #1 <img src=x>',
      '/``` </details> @github/security | <script>alert(1)</script>',
      '/www.evil.example/http://evil.example/?q=<b>',
    ];
    const body = renderMarkdown(
      exampleReport([...exampleFindings(DOCKERFILE), ...names.map(hostile)], DOCKERFILE),
      {
        repositoryRoot: REPO,
        failOn: 'error',
        links: LINKS,
      },
    );
    const page = lookAt(body);
    expect(page.tables[0]!.head).toEqual(HEAD);
    expect(page.tables[0]!.rowCells).toEqual([5, 5, 5, 5, 5]);
    expectOnlyOurs(page);
    for (const name of names) expect(page.text).toContain(name);
    expect(page.summaries).toContain(
      'EG103 library-missing: Shared library not found by the loader (3 findings)',
    );
  });

  maybe('shows the demo comment as a reader sees it', async () => {
    const report = applyPolicy(
      await scan({
        source: { kind: 'archive', path: 'examples/go-service.oci.tar' },
        dockerfile: {
          path: 'examples/go-service/Dockerfile',
          text: readFileSync('examples/go-service/Dockerfile', 'utf8'),
        },
      }),
      EMPTY_CONFIG,
      [],
    );
    const body = renderMarkdown(
      { ...report, image: { ...report.image, ref: 'ghcr.io/acme/acme:pr-42' } },
      {
        repositoryRoot: process.cwd(),
        failOn: 'error',
        links: LINKS,
        level: 'warning',
        hideRules: ['EG501'],
        cellItems: 5,
        dockerfileText: readFileSync('examples/go-service/Dockerfile', 'utf8'),
        run: {
          sha: LINKS.sha,
          url: 'https://github.com/acme/acme/actions/runs/7001',
          time: new Date('2026-11-30T08:00:00Z'),
        },
      },
    );
    const page = lookAt(body);
    expect(page.tables.map((t) => t.head)).toEqual([HEAD]);
    expect(page.tables[0]!.rowCells).toEqual([5]);
    expectOnlyOurs(page);
    expect(page.text).toContain('❌ exit139-guard: this image will fail on start');
    // In the folded details: the fix on the user's own line.
    expect(page.allText).toContain(
      '-RUN go build -ldflags="-s -w" -o /out/server ./cmd/server\n+RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /out/server ./cmd/server',
    );
    expect(page.text).toContain('1 note (EG403) is not listed here');

    const out = process.env.UPDATE_SCREENSHOT
      ? path.resolve('docs/comment.png')
      : path.join(mkdtempSync(path.join(os.tmpdir(), 'e139-shot-')), 'comment.png');
    screenshot(body, out);
    const png = readFileSync(out);
    // IHDR: the width and height in pixels, big-endian, at bytes 16 and 20.
    expect(png.readUInt32BE(16)).toBe(920);
    expect(statSync(out).size).toBeLessThan(200_000);
  });
});
