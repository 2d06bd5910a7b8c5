/**
 * The rule pages `docs/rules/EGxxx.md` and their index, rendered from the catalog so that the
 * pages, SARIF help and the PR comment say the same thing. `docs/rules/generate.mjs` writes
 * them; a test checks the committed pages are current.
 */
import type { RuleMeta } from '../findings.js';
import { RULE_CATALOG } from '../rules/catalog.js';
import { codeSpan } from './escape.js';

const GENERATED_NOTE =
  '<!-- Generated from src/rules/catalog.ts by `node docs/rules/generate.mjs`: edit the catalog, not this page. -->';

export function ruleDocPage(meta: RuleMeta): string {
  return [
    GENERATED_NOTE,
    '',
    `# ${meta.id} ${meta.name}`,
    '',
    `**${meta.shortDescription}.** Default level: \`${meta.defaultLevel}\` · precision: \`${meta.precision}\` · tags: ${meta.tags.map((t) => `\`${t}\``).join(', ')}`,
    '',
    meta.fullDescription,
    '',
    meta.helpMarkdown,
    '',
    '## Configuration',
    '',
    'Change the level or switch the rule off in `.exit139-guard.yml`:',
    '',
    '```yaml',
    'rules:',
    `  ${meta.id}: ${meta.defaultLevel === 'note' ? 'off' : 'warning'}`,
    '```',
    '',
    'or suppress one finding, with a reason, on the line above the Dockerfile instruction it is blamed on:',
    '',
    '```dockerfile',
    `# exit139-guard ignore=${meta.id} reason="..."`,
    '```',
    '',
  ].join('\n');
}

/** The catalog as a markdown table linking each rule's page (relative to `base`). */
export function ruleTable(base: string): string {
  const rows = RULE_CATALOG.map(
    (meta) =>
      `| [${meta.id}](${base}${meta.id}.md) | ${meta.name} | ${meta.defaultLevel} | ${meta.shortDescription} | ${meta.runtimeError === '' ? '—' : codeSpan(meta.runtimeError.split('\n')[0]!, { inTable: true, max: 300 })} |`,
  );
  return [
    '| Rule | Name | Level | Finds | Fails at run time with |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

export function ruleIndexPage(): string {
  return [GENERATED_NOTE, '', '# Rules', '', ruleTable(''), ''].join('\n');
}

/** Every generated file, relative to `docs/rules/`. */
export function ruleDocFiles(): Map<string, string> {
  const files = new Map<string, string>([['README.md', ruleIndexPage()]]);
  for (const meta of RULE_CATALOG) files.set(`${meta.id}.md`, ruleDocPage(meta));
  return files;
}
