/**
 * The base-image lookup against the engine: the config `docker image inspect` gives, and a C
 * compiler on the image's PATH, checked against what a shell inside the image finds
 * (`command -v gcc || command -v cc`, run in the engine for truth). Then the model with and without it.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { engineBaseImages } from '../../src/dockerfile/engine-bases.js';
import { readDockerfile } from '../../src/dockerfile/index.js';
import { BASE, dockerHost, engine, ensureBaseImages, runContainer } from '../support/engine.js';

const DOCKERFILE = [
  `FROM ${BASE.goBuilder} AS build`,
  'RUN go build -o /out/app ./cmd/app',
  `FROM ${BASE.alpineLike} AS musl`,
  'RUN go build -o /out/tool ./cmd/tool',
  'FROM scratch',
  'COPY --from=build /out/app /app',
  'COPY --from=musl /out/tool /tool',
].join('\n');

describe('base images read from the engine', () => {
  it('finds a compiler exactly where a shell in the image finds one, and the image ENV', async () => {
    if (!(await engine('base images from the engine'))) return;
    await ensureBaseImages(['goBuilder', 'alpineLike']);
    const truth = async (image: string) =>
      (
        await runContainer(image, {
          entrypoint: ['sh'],
          cmd: ['-c', 'command -v gcc || command -v cc || echo none'],
          timeoutMs: 30_000,
        })
      ).stdout.trim();
    expect(await truth(BASE.goBuilder)).toBe('/usr/bin/gcc');
    expect(await truth(BASE.alpineLike)).toBe('none');

    const bases = await engineBaseImages(
      [BASE.goBuilder, BASE.alpineLike, 'exit139-guard-test/no-such-image:never'],
      dockerHost(),
    );
    expect([...bases.keys()]).toEqual([BASE.goBuilder, BASE.alpineLike]);
    expect(bases.get(BASE.goBuilder)).toMatchObject({ compiler: true, workingDir: null });
    expect(bases.get(BASE.goBuilder)!.env).toContain('GOPROXY=off');
    expect(bases.get(BASE.alpineLike)).toMatchObject({ compiler: false, workingDir: null });

    const unknown = readDockerfile(DOCKERFILE, { path: 'Dockerfile' });
    const known = readDockerfile(DOCKERFILE, {
      path: 'Dockerfile',
      baseImage: (reference) => bases.get(reference) ?? null,
    });
    const cgo = (m: typeof known, path: string) =>
      m.artifacts.find((a) => a.path === path)!.declared.CGO_ENABLED;
    // By name the factory images are unknown builders: CGO_ENABLED is left open.
    expect(cgo(unknown, '/app').value).toBeNull();
    expect(cgo(unknown, '/tool').value).toBeNull();
    expect(cgo(known, '/app')).toEqual({
      value: '1',
      assumed: null,
      implicit: true,
      origin: `Go default: a C compiler on the PATH of ${BASE.goBuilder} (image)`,
    });
    expect(cgo(known, '/tool')).toEqual({
      value: '0',
      assumed: null,
      implicit: true,
      origin: `Go default: no C compiler on the PATH of ${BASE.alpineLike} (image)`,
    });
  }, 300_000);
});

describe('the scan of an engine image whose builder base has a compiler', () => {
  // The compiler probe asks the engine with HEAD requests whose answer dockerode hands back as a
  // stream: left unread, its socket kept the process alive after the report (a CI job that
  // never ends). The bundled CLI, as a user runs it, must exit by itself.
  it('prints the report and exits', async () => {
    if (!(await engine('base images from the engine'))) return;
    await ensureBaseImages(['goBuilder', 'bookworm']);
    const work = mkdtempSync(path.join(tmpdir(), 'engine-bases-'));
    try {
      const dockerfile = path.join(work, 'Dockerfile');
      writeFileSync(
        dockerfile,
        [
          `FROM ${BASE.goBuilder} AS build`,
          'RUN true',
          `FROM ${BASE.bookworm}`,
          'CMD ["true"]',
        ].join('\n'),
      );
      const run = spawnSync(
        process.execPath,
        ['dist/cli.js', 'scan', '--image', BASE.bookworm, '--dockerfile', dockerfile],
        { env: { ...process.env, DOCKER_HOST: dockerHost() }, encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.signal).toBeNull();
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^0 error\(s\), 0 warning\(s\), 0 note\(s\) in \d+ files/m);
      expect(run.status).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
