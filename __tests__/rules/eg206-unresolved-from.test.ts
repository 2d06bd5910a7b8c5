/**
 * EG206 against the engine's truth: a FROM variable that nothing sets makes the builder ask for
 * a broken reference (the engine's own message: "invalid reference format"); the same Dockerfile
 * builds with the build argument (the healthy twin). Scanning that image without telling the
 * scan the argument reports EG206 on the FROM line; telling it clears the finding.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/scan.js';
import { dockerBuild, engine, ensureBaseImages, saveImage } from '../support/engine.js';

const DOCKERFILE = [
  '# BASE has no default: the build needs --build-arg BASE=...',
  'ARG BASE',
  'FROM exit139-guard-test/${BASE}:local',
  'COPY hello.txt /hello.txt',
  '',
].join('\n');

describe('EG206 unresolved-from-reference', () => {
  it('the engine refuses the FROM without the argument; the scan says why', async () => {
    if (!(await engine('EG206 unresolved FROM reference'))) return;
    await ensureBaseImages(['bookworm']);
    const work = mkdtempSync(path.join(tmpdir(), 'eg206-'));
    try {
      writeFileSync(path.join(work, 'Dockerfile'), DOCKERFILE);
      writeFileSync(path.join(work, 'hello.txt'), 'hello\n');
      await expect(
        dockerBuild(work, { tag: 'exit139-guard-test/eg206-broken:local' }),
      ).rejects.toThrow(
        // stderr comes first in the message, then stdout: the engine stops at the FROM.
        /\ninvalid reference format\n[\s\S]*\nStep 2\/3 : FROM exit139-guard-test\/\$\{BASE\}:local\n$/,
      );
      await dockerBuild(work, {
        tag: 'exit139-guard-test/eg206-twin:local',
        buildArgs: { BASE: 'bookworm' },
      });
      const archive = path.join(work, 'image.tar');
      await saveImage('exit139-guard-test/eg206-twin:local', archive);
      const source = { kind: 'archive' as const, path: archive };

      const untold = await scan({ source, dockerfile: { path: 'Dockerfile', text: DOCKERFILE } });
      const eg206 = untold.findings.filter((f) => f.ruleId === 'EG206');
      expect(
        eg206.map((f) => [f.level, f.message, f.dockerfile?.startLine, f.dockerfile?.instruction]),
      ).toEqual([
        [
          'warning',
          "FROM exit139-guard-test/${BASE}:local expands to 'exit139-guard-test/:local': BASE is set by no ARG default or build argument",
          3,
          'FROM exit139-guard-test/${BASE}:local',
        ],
      ]);

      const told = await scan({
        source,
        dockerfile: { path: 'Dockerfile', text: DOCKERFILE, buildArgs: { BASE: 'bookworm' } },
      });
      expect(told.findings.filter((f) => f.ruleId === 'EG206')).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
