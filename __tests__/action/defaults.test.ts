/**
 * One wording for each default: the README's input table, action.yml and `exit139-guard scan
 * --help` say the same thing (the default platform was once described four ways).
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { scanCommand } from '../../src/cli/scan.js';

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

const action = yaml.load(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>;
};

/** README "### Inputs": input name → the default cell, as written. */
function readmeDefaults(): Map<string, string> {
  const readme = readFileSync('README.md', 'utf8');
  const table = readme.slice(readme.indexOf('### Inputs\n'), readme.indexOf('### Outputs\n'));
  const rows = new Map<string, string>();
  for (const line of table.split('\n')) {
    const cells = /^\| `([a-z0-9-]+)` \|(.*?)\| /.exec(line);
    if (cells) rows.set(cells[1]!, cells[2]!.trim());
  }
  return rows;
}

/** The action inputs that are command-line options too. */
const CLI_OPTION_OF_INPUT: Record<string, string> = {
  platform: '--platform',
  target: '--target',
  'fail-on': '--fail-on',
};

describe('the defaults', () => {
  const readme = readmeDefaults();

  it('the README lists every input of action.yml, and no other', () => {
    expect([...readme.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it.each(Object.keys(action.inputs))('%s: the README and action.yml say the same', (name) => {
    const input = action.inputs[name]!;
    const cell = readme.get(name) ?? '';
    const description = collapse(input.description);
    if (input.default) {
      expect(cell).toBe(`\`${input.default}\``);
      expect(description).not.toContain('Default:');
    } else if (cell === '') {
      expect(description).not.toContain('Default:');
    } else {
      expect(description).toContain(`Default: ${cell}`);
    }
  });

  it.each(Object.entries(CLI_OPTION_OF_INPUT))(
    '%s: --help says the same as the README for %s',
    (name, option) => {
      // The option's own lines in the Options list, up to the next option.
      const options = scanCommand.usage.slice(scanCommand.usage.indexOf('Options:'));
      const start = options.indexOf(`\n  ${option} `);
      const end = options.indexOf('\n  --', start + 1);
      const line = collapse(options.slice(start, end));
      const cell = readme.get(name)!.replace(/`/g, '');
      expect(line).toContain(`(default: ${cell})`);
    },
  );
});
