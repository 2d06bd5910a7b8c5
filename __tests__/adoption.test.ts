/**
 * Ready to adopt: what a user checks before putting the action into a workflow. The license is
 * the one package.json names, the changelog has the version the code reports (and rule links
 * point at its tag), the release workflow checks dist/ and moves the major tag, and what a job
 * downloads for `uses:` (the tarball of the commit, `git archive`) stays small.
 */
import { describe, expect, it } from '@jest/globals';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { ruleHelpUri } from '../src/report/sarif.js';
import { VERSION } from '../src/version.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  license: string;
  version: string;
  files: string[];
  bin: Record<string, string>;
  repository: { url: string };
};

describe('ready to adopt', () => {
  it('has the MIT license package.json names', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License\n/);
  });

  it('has a changelog section for the version the code reports, whose tag the rule links name', () => {
    expect(VERSION).toBe(pkg.version);
    expect(readFileSync('CHANGELOG.md', 'utf8')).toContain(`\n## [${VERSION}]\n`);
    expect(ruleHelpUri('EG202')).toBe(
      `https://github.com/exit139-guard/exit139-guard/blob/v${VERSION}/docs/rules/EG202.md`,
    );
    expect(pkg.repository.url).toBe('git+https://github.com/exit139-guard/exit139-guard.git');
  });

  it('packs the action, its bundle and the rule pages, and runs dist/cli.js as the bin', () => {
    expect(pkg.bin).toEqual({ 'exit139-guard': 'dist/cli.js' });
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/', 'action.yml', 'docs/rules/']));
  });

  it('releases only a checked dist/ under the tag of the version, and moves the major tag', () => {
    const workflow = yaml.load(readFileSync('.github/workflows/release.yml', 'utf8')) as {
      on: { release: { types: string[] } };
      jobs: { release: { steps: { run?: string; if?: string }[] } };
    };
    expect(workflow.on.release.types).toEqual(['published']);
    const steps = workflow.jobs.release.steps;
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('npm run check-dist');
    expect(runs).toContain('"v$version"');
    const move = steps.find((s) => s.run?.includes('git push --force origin "refs/tags/$major"'));
    expect(move?.if).toBe('${{ !github.event.release.prerelease }}');
  });

  it('downloads at most 2 MB for `uses:` (git archive of HEAD, gzipped)', () => {
    const bytes = Number(execSync('git archive HEAD | gzip -c | wc -c', { encoding: 'utf8' }));
    expect(bytes).toBeGreaterThan(100_000);
    expect(bytes).toBeLessThanOrEqual(2_000_000);
  });
});
