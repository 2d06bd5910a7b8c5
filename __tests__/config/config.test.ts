import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { InputError } from '../../src/errors.js';
import { thrownMessage } from '../support/thrown.js';

const FILE = '.exit139-guard.yml';

const errorOf = (text: string): string => thrownMessage(() => parseConfig(text, FILE));

describe('the config file', () => {
  it('reads rule levels, disabled rules, ignored paths and suppressions', () => {
    const config = parseConfig(
      [
        'rules:',
        '  EG501: off',
        '  EG107: error',
        'ignore-paths:',
        '  - /opt/vendor/**',
        'suppressions:',
        '  - rule: EG103',
        '    path: /usr/lib/x86_64-linux-gnu/libcuda.so.*',
        '    reason: injected at run time by the NVIDIA container toolkit',
        '    expires: 2026-12-31',
        '  - rule: EG401',
        '    reason: "no outgoing TLS"',
        '',
      ].join('\n'),
      FILE,
    );
    expect([...config.rules]).toEqual([
      ['EG501', { level: 'off', source: '.exit139-guard.yml:2' }],
      ['EG107', { level: 'error', source: '.exit139-guard.yml:3' }],
    ]);
    expect(config.ignorePaths.map((g) => [g.glob, g.source])).toEqual([
      ['/opt/vendor/**', '.exit139-guard.yml:5'],
    ]);
    expect(config.ignorePaths[0]!.matches('/opt/vendor/lib/.hidden/libx.so')).toBe(true);
    expect(config.ignorePaths[0]!.matches('/opt/other/libx.so')).toBe(false);
    expect(
      config.suppressions.map((s) => [s.rule, s.path?.glob ?? null, s.reason, s.expires, s.source]),
    ).toEqual([
      [
        'EG103',
        '/usr/lib/x86_64-linux-gnu/libcuda.so.*',
        'injected at run time by the NVIDIA container toolkit',
        '2026-12-31',
        '.exit139-guard.yml:7',
      ],
      ['EG401', null, 'no outgoing TLS', null, '.exit139-guard.yml:11'],
    ]);
    expect(config.suppressions[0]!.path!.matches('/usr/lib/x86_64-linux-gnu/libcuda.so.1')).toBe(
      true,
    );
  });

  it('accepts an empty file', () => {
    expect(parseConfig('', FILE).rules.size).toBe(0);
    expect(parseConfig('# nothing yet\n', FILE).suppressions).toEqual([]);
  });

  it.each([
    [
      'rules:\n  EG999: off\n',
      ".exit139-guard.yml:2:3: unknown rule 'EG999' (the README's Rules section lists the rule ids)",
    ],
    [
      'rules:\n  EG501: of\n',
      ".exit139-guard.yml:2:10: level of EG501 must be one of error, warning, note, off, not 'of'",
    ],
    [
      'rule:\n  EG501: off\n',
      ".exit139-guard.yml:1:1: unknown key 'rule' (expected rules, ignore-paths, suppressions, nodes)",
    ],
    [
      'ignore-paths:\n  - usr/share/**\n',
      ".exit139-guard.yml:2:5: image path pattern 'usr/share/**' must be absolute (start with '/' or '**'), e.g. '/usr/share/doc/**'",
    ],
    [
      'ignore-paths: /usr\n',
      ".exit139-guard.yml:1:15: 'ignore-paths' must be a list of image path patterns",
    ],
    ['suppressions:\n  - rule: EG101\n', ".exit139-guard.yml:2:5: a suppression needs a 'reason'"],
    [
      'suppressions:\n  - rule: EG101\n    reason: ok\n    expires: 2026-02-30\n',
      ".exit139-guard.yml:4:14: 'expires' must be a date YYYY-MM-DD, not '2026-02-30'",
    ],
    [
      'suppressions:\n  - rule: EG101\n    reason: ok\n    until: 2026-01-01\n',
      ".exit139-guard.yml:4:5: unknown suppression field 'until' (expected rule, path, reason, expires)",
    ],
    ['rules:\n  EG501: off\n  EG501: note\n', '.exit139-guard.yml:3:3: duplicated mapping key'],
    ['rules: [\n', '.exit139-guard.yml:2:1: unexpected end of the stream within a flow collection'],
  ])('rejects %j with one message naming file:line:column', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('is optional under its default name, and required when named', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'e139-config-'));
    const missing = path.join(dir, '.exit139-guard.yml');
    expect((await loadConfig(missing, { required: false })).file).toBeNull();
    await expect(
      loadConfig(missing, { required: true, displayPath: 'ci/guard.yml' }),
    ).rejects.toThrow(new InputError('the config file ci/guard.yml: does not exist'));
    writeFileSync(missing, 'rules:\n  EG501: off\n');
    expect(
      (await loadConfig(missing, { required: false, displayPath: '.exit139-guard.yml' })).rules.get(
        'EG501',
      ),
    ).toEqual({
      level: 'off',
      source: '.exit139-guard.yml:2',
    });
  });
});
