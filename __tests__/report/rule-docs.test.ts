import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { ruleDocFiles, ruleTable } from '../../src/report/rule-docs.js';
import { RULE_CATALOG } from '../../src/rules/catalog.js';

describe('docs/rules', () => {
  it('is current with the catalog (regenerate pages and the README table with `node docs/rules/generate.mjs`)', () => {
    for (const [name, text] of ruleDocFiles()) {
      expect({ name, text: readFileSync(`docs/rules/${name}`, 'utf8') }).toEqual({ name, text });
    }
  });

  it('has one page per rule and nothing stale', () => {
    const pages = readdirSync('docs/rules').filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(pages.sort()).toEqual(RULE_CATALOG.map((r) => `${r.id}.md`).sort());
  });

  it("is the README's rule table too", () => {
    const readme = readFileSync('README.md', 'utf8');
    const table = /<!-- rules:start[^>]*-->\n([\s\S]*?)<!-- rules:end -->/.exec(readme);
    expect(table?.[1]).toBe(ruleTable('docs/rules/'));
  });
});
