/**
 * Hostile configs, pragmas and image configs (issue 16, items 7 and 9), each the smallest input
 * of its kind: one clear error naming the place, never a TypeError, a crash in the glob library,
 * quadratic time, or a wrong value read as "absent".
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyPolicy, parseConfig, parsePragmas } from '../../src/config/index.js';
import { MAX_GLOB_LENGTH } from '../../src/config/config.js';
import { InputError } from '../../src/errors.js';
import { openImage } from '../../src/image/index.js';
import { ociFiles, tar, writeFolder } from '../../scripts/fuzz/images.js';
import { exampleFindings, exampleReport } from '../report/fixtures.js';
import { thrownMessage } from '../support/thrown.js';

const inputError = (run: () => unknown): string => thrownMessage(run);

describe('the config file', () => {
  it('of several YAML documents is one error, not a TypeError', () => {
    expect(inputError(() => parseConfig('rules:\n  EG501: off\n---\nrules: {}\n', 'ci.yml'))).toBe(
      'ci.yml: expected a single document in the stream, but found more',
    );
  });

  it(`refuses a pattern over ${MAX_GLOB_LENGTH} characters before the glob library sees it`, () => {
    const glob = '/' + 'a'.repeat(65_536);
    expect(inputError(() => parseConfig(`ignore-paths:\n  - ${glob}\n`, 'ci.yml'))).toBe(
      `ci.yml:2:5: image path pattern of ${glob.length} characters: the longest accepted is ${MAX_GLOB_LENGTH} (PATH_MAX)`,
    );
  });

  it('reads 50,000 ignore-paths and applies them in linear time', () => {
    const globs = Array.from({ length: 50_000 }, (_, i) => `  - /opt/vendor${i}/**\n`);
    const started = performance.now();
    const config = parseConfig(`ignore-paths:\n${globs.join('')}  - /server\n`, 'ci.yml');
    expect(config.ignorePaths).toHaveLength(50_001);
    expect(config.ignorePaths[50_000]!.source).toBe('ci.yml:50002');
    const findings = Array.from({ length: 200 }, () => exampleFindings()).flat();
    const report = applyPolicy(exampleReport(findings), config, []);
    expect(new Set(report.findings.map((f) => f.path))).not.toContain('/server');
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('ignore-paths, indexed by folder', () => {
  it('ignores exactly what testing each pattern on its own ignores', () => {
    const globs = ['**/libcuda.so*', '/usr/share/doc/**', '/server', '/opt*', '/a/{b,c}/d', '/x/'];
    const config = parseConfig(
      `ignore-paths:\n${globs.map((g) => `  - '${g}'\n`).join('')}`,
      'ci.yml',
    );
    const paths = [
      '/usr/lib/libcuda.so.1',
      '/libcuda.so',
      '/usr/share/doc',
      '/usr/share/doc/x/y',
      '/usr/share/docs',
      '/server',
      '/server2',
      '/opt',
      '/optical/x',
      '/a/b/d',
      '/a/e/d',
      '/x',
      '/app',
    ];
    const base = exampleFindings()[0]!;
    const findings = paths.map((p) => ({ ...base, path: p, suppression: null }));
    const kept = applyPolicy(exampleReport(findings), config, []).findings.map((f) => f.path);
    const expected = paths.filter((p) => !config.ignorePaths.some((g) => g.matches(p)));
    expect(kept).toEqual(expected);
    expect(expected).toEqual(['/usr/share/docs', '/server2', '/optical/x', '/a/e/d', '/x', '/app']);
  });
});

describe('pragma expiry dates', () => {
  it.each(['2026-13-45', '2026-02-30', '2026-2-3'])(
    'refuses expires=%s as the config file does',
    (date) => {
      const text = `FROM scratch\n# exit139-guard ignore=EG103 reason="mounted at run time" expires=${date}\nCOPY app /app\n`;
      expect(inputError(() => parsePragmas(text, 'Dockerfile'))).toBe(
        `Dockerfile:2:59: 'expires' must be a date YYYY-MM-DD, not '${date}'`,
      );
    },
  );

  it('keeps a real day (2028-02-29)', () => {
    const text =
      'FROM scratch\n# exit139-guard ignore=EG103 reason="mounted at run time" expires=2028-02-29\nCOPY app /app\n';
    expect(parsePragmas(text, 'Dockerfile')[0]!.expires).toBe('2028-02-29');
  });
});

describe('the image config', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'e139-image-config-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let n = 0;
  const open = (config: Record<string, unknown>) =>
    openImage({
      kind: 'archive',
      path: writeFolder(
        path.join(work, `image${++n}`),
        ociFiles({
          layers: [tar([{ name: 'etc/hostname', data: 'box\n' }])],
          layerMediaType: 'application/vnd.oci.image.layer.v1.tar',
          config: { config },
        }),
      ),
    });
  async function message(config: Record<string, unknown>): Promise<string> {
    const error = await open(config).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(InputError);
    return error!.message.replace(/^oci-layout:\S+: config sha256:[0-9a-f]{64}: /, '');
  }

  it.each([
    [{ Entrypoint: 5 }, 'Entrypoint: must be a list of strings, not a number'],
    [{ Cmd: ['/app', 1] }, 'Cmd: must be a list of strings, not a list'],
    [{ Entrypoint: { path: '/app' } }, 'Entrypoint: must be a list of strings, not an object'],
    [{ User: 0 }, 'User must be a string, not a number'],
    [{ Env: 'PATH=/bin' }, 'Env must be a list of strings, not a string'],
  ])('refuses %j', async (config, expected) => {
    expect(await message(config)).toBe(expected);
  });

  it('reads a one-string Entrypoint as Docker does (a list of one) and null as absent', async () => {
    const view = await open({ Entrypoint: '/app', Cmd: null, User: null, Env: null });
    expect(view.config.entrypoint).toEqual(['/app']);
    expect(view.config.cmd).toBeNull();
    expect(view.config.env).toEqual([]);
  });
});
