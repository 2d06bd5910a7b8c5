import { describe, expect, it } from '@jest/globals';
import { RULE_CATALOG, ruleMeta, runtimeErrorFor } from '../../src/rules/catalog.js';

// The rule catalog of shared DESIGN.md, and the rules issues added since: id, name and default level.
const DESIGN_CATALOG: [string, string, string][] = [
  ['EG101', 'interpreter-missing', 'error'],
  ['EG102', 'libc-flavor-mismatch', 'error'],
  ['EG103', 'library-missing', 'error'],
  ['EG104', 'symbol-version-missing', 'error'],
  ['EG105', 'symbol-unresolved', 'error'],
  ['EG106', 'architecture-mismatch', 'error'],
  ['EG107', 'kernel-too-old', 'warning'],
  ['EG108', 'not-a-program', 'error'],
  ['EG110', 'kernel-refuses-elf', 'error'],
  ['EG111', 'x86-64-level-too-high', 'warning'],
  ['EG113', 'libgcc-s-missing', 'error'],
  ['EG114', 'nss-service-unavailable', 'warning'],
  ['EG115', 'gconv-modules-missing', 'warning'],
  ['EG201', 'declared-triple-mismatch', 'error'],
  ['EG202', 'cgo-dynamic-on-static-base', 'error'],
  ['EG203', 'static-glibc-nss', 'warning'],
  ['EG204', 'ineffective-static-flags', 'note'],
  ['EG205', 'platform-mismatch', 'error'],
  ['EG206', 'unresolved-from-reference', 'warning'],
  ['EG301', 'entrypoint-missing', 'error'],
  ['EG302', 'entrypoint-not-executable', 'error'],
  ['EG303', 'shebang-interpreter-missing', 'error'],
  ['EG401', 'ca-certificates-missing', 'warning'],
  ['EG402', 'zoneinfo-missing', 'warning'],
  ['EG403', 'user-database-missing', 'note'],
  ['EG404', 'user-unknown', 'error'],
  ['EG501', 'hardening', 'note'],
  ['EG601', 'run-as-non-root-refused', 'error'],
  ['EG602', 'pod-command-undecided', 'note'],
  ['EG603', 'manifests-without-image', 'note'],
  // scan --confirm (issue 17): what running the image showed.
  ['EG701', 'died-on-start-unpredicted', 'error'],
  ['EG702', 'prediction-contradicted', 'warning'],
  ['EG703', 'exited-with-own-error', 'note'],
  ['EG704', 'loader-failure-unpredicted', 'error'],
  ['EG705', 'loader-resolution-differs', 'warning'],
];

describe('the rule catalog', () => {
  it('holds exactly the rules of the design, in order, with their names and default levels', () => {
    expect(RULE_CATALOG.map((r) => [r.id, r.name, r.defaultLevel])).toEqual(DESIGN_CATALOG);
  });

  it('gives every rule a help page with the runtime error, why, a Dockerfile diff and when to ignore it', () => {
    for (const rule of RULE_CATALOG) {
      const help = rule.helpMarkdown;
      expect(help).toContain('## What fails at run time');
      expect(help).toContain('## Why');
      expect(help).toContain('## Fix');
      expect(help).toContain('## When it is safe to ignore');
      expect(help).toMatch(/```diff\n(.*\n)*?[-+]/);
      if (rule.runtimeError !== '') expect(help).toContain(rule.runtimeError);
      // GitHub code scanning limits: fullDescription ≤ 1024 chars, name ≤ 255, ≤ 20 tags.
      expect(rule.fullDescription.length).toBeLessThanOrEqual(1024);
      expect(rule.tags.length).toBeLessThanOrEqual(10);
      expect(rule.tags).not.toContain('security');
    }
  });

  it('quotes the loaders and runc exactly', () => {
    expect(ruleMeta('EG101').runtimeError).toBe('exec /app: no such file or directory');
    expect(ruleMeta('EG104').runtimeError).toBe(
      "/app: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /app)",
    );
    expect(ruleMeta('EG106').runtimeError).toBe('exec /app: exec format error');
  });

  it('puts the path of the finding into the runtime error', () => {
    expect(runtimeErrorFor(ruleMeta('EG104'), '/usr/local/bin/server')).toBe(
      "/usr/local/bin/server: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /usr/local/bin/server)",
    );
    expect(runtimeErrorFor(ruleMeta('EG204'), '/app')).toBe('');
  });

  it('rejects an unknown rule id', () => {
    expect(() => ruleMeta('EG999')).toThrow('unknown rule id EG999');
  });
});
