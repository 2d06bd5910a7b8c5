/**
 * The comment as people see it: markdown rendered to HTML by cmark-gfm (GitHub's own fork of
 * cmark, Debian's `cmark-gfm`, with the table, autolink, strikethrough and tagfilter extensions
 * github.com enables), then loaded into headless Chromium (Debian's `chromium`), which reports
 * what the page really holds: tables and their cells, links, elements, text. Raw HTML is let
 * through (`--unsafe`) so that the one HTML the reporter writes itself (`details`, `summary`,
 * `b`, `code`, `sub`) shows; anything else in the page came from the image and is a failure.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CMARK_GFM = '/usr/bin/cmark-gfm';
export const CHROMIUM = '/usr/bin/chromium';

/** What is missing to render and look at a comment ('' when both tools are there). */
export function missingRenderTools(): string {
  return [CMARK_GFM, CHROMIUM].filter((tool) => !existsSync(tool)).join(', ');
}

export function renderGfm(markdown: string): string {
  return execFileSync(
    CMARK_GFM,
    [
      '--unsafe',
      '--extension',
      'table',
      '--extension',
      'autolink',
      '--extension',
      'strikethrough',
      '--extension',
      'tagfilter',
    ],
    { input: markdown, encoding: 'utf8' },
  );
}

/** A little of github.com's markdown style, so that the screenshot reads like the comment. */
const STYLE = `
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  color: #1f2328; max-width: 880px; margin: 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
th { font-weight: 600; background: #f6f8fa; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 85%; }
code { background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; }
pre code { background: none; padding: 0; }
a { color: #0969da; text-decoration: none; }
h3 { font-size: 1.25em; margin: 8px 0; }
details { margin: 8px 0; }
sub { color: #59636e; }
`;

export interface PageFacts {
  /** Per table: the header cells' text and each body row's cell count. */
  tables: { head: string[]; rowCells: number[] }[];
  /** Every link's href, in page order. */
  links: string[];
  /** The tag names of every element in the comment, deduplicated and sorted. */
  tags: string[];
  /** The comment's visible text (innerText, details closed). */
  text: string;
  /** All of its text, folded details included (textContent). */
  allText: string;
  /** The text of every `summary` element. */
  summaries: string[];
  /** The text outside code spans and blocks: where GitHub would link mentions and issues. */
  prose: string;
}

function chromium(args: string[]): string {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'e139-chromium-'));
  try {
    return execFileSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Renders the markdown and asks Chromium what the page holds. */
export function lookAt(markdown: string): PageFacts {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-page-'));
  try {
    // The probe runs after the comment and writes its answer into the page as JSON.
    const probe = `<script>
const root = document.getElementById('comment');
const facts = {
  tables: [...root.querySelectorAll('table')].map((t) => ({
    head: [...t.querySelectorAll('thead th')].map((c) => c.textContent),
    rowCells: [...t.querySelectorAll('tbody tr')].map((r) => r.children.length),
  })),
  links: [...root.querySelectorAll('a')].map((a) => a.getAttribute('href')),
  tags: [...new Set([...root.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()))].sort(),
  text: root.innerText,
  allText: root.textContent,
  summaries: [...root.querySelectorAll('summary')].map((s) => s.textContent),
};
const copy = root.cloneNode(true);
copy.querySelectorAll('code, pre').forEach((e) => e.remove());
facts.prose = copy.textContent;
const out = document.createElement('pre');
out.id = 'facts';
out.textContent = JSON.stringify(facts);
document.body.appendChild(out);
</script>`;
    const file = path.join(dir, 'comment.html');
    writeFileSync(
      file,
      `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head>` +
        `<body><div id="comment">${renderGfm(markdown)}</div>${probe}</body></html>`,
    );
    const dom = chromium(['--dump-dom', `file://${file}`]);
    const match = /<pre id="facts">([\s\S]*?)<\/pre>/.exec(dom);
    if (!match) throw new Error('Chromium did not run the probe');
    const json = match[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    return JSON.parse(json) as PageFacts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A PNG of the rendered comment, with every `details` opened, `width` CSS pixels wide. */
export function screenshot(markdown: string, out: string, width = 920, height = 800): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-shot-'));
  try {
    const file = path.join(dir, 'comment.html');
    writeFileSync(
      file,
      `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head>` +
        `<body><div id="comment">${renderGfm(markdown)}</div>` +
        `<script>document.querySelectorAll('details').forEach((d) => (d.open = true));</script>` +
        `</body></html>`,
    );
    chromium([
      `--screenshot=${out}`,
      `--window-size=${width},${height}`,
      '--hide-scrollbars',
      `file://${file}`,
    ]);
    if (!readFileSync(out).subarray(1, 4).equals(Buffer.from('PNG')))
      throw new Error(`${out} is not a PNG`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
