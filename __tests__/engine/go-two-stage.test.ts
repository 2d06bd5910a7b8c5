// The acceptance test for the engine: a two-stage Go image built FROM the factory's
// go-builder and distroless-static-like bases with the real engine, run, and read back through
// dockerode. The cgo variant shows the failure the project exists to catch.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { dockerBuild, engine, ensureBaseImages, runContainer } from '../support/engine.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'go-two-stage');
const STATIC_TAG = 'exit139-guard-test/go-two-stage:static';
const CGO_TAG = 'exit139-guard-test/go-two-stage:cgo';

let docker: Docker | null = null;
let workDir = '';
let staticImageId = '';

beforeAll(async () => {
  docker = await engine('two-stage Go image on the engine');
  if (!docker) return;
  workDir = mkdtempSync(path.join(tmpdir(), 'exit139-guard-go-'));
  await ensureBaseImages(['goBuilder', 'distrolessStatic']);
  staticImageId = await dockerBuild(FIXTURE, { tag: STATIC_TAG });
  await dockerBuild(FIXTURE, { tag: CGO_TAG, buildArgs: { CGO_ENABLED: '1' } });
}, 30 * 60_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** One file of the container filesystem of `image`, read from dockerode's export stream. */
async function exportedFile(image: string, entryName: string): Promise<Buffer> {
  const container = await docker!.createContainer({
    Image: image,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    const stream = await container.export();
    const extract = tar.extract();
    const found = new Promise<Buffer>((resolve, reject) => {
      let content: Buffer | null = null;
      extract.on('entry', (header, entry, next) => {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: unknown) => {
          if (header.name === entryName) chunks.push(chunk as Buffer);
        });
        entry.on('end', () => {
          if (header.name === entryName) content = Buffer.concat(chunks);
          next();
        });
      });
      extract.on('finish', () =>
        content
          ? resolve(content)
          : reject(new Error(`${entryName} is not in the export of ${image}`)),
      );
      extract.on('error', reject);
    });
    stream.pipe(extract);
    return await found;
  } finally {
    await container.remove({ force: true });
  }
}

/** Writes `content` to a file and runs a host tool on it. */
function inspectWith(content: Buffer, name: string, tool: string, args: string[]): string {
  const file = path.join(workDir, name);
  writeFileSync(file, content, { mode: 0o755 });
  return execFileSync(tool, [...args, file], { encoding: 'utf8' });
}

describe('a CGO_ENABLED=0 Go binary FROM distroless-static-like', () => {
  it('runs as the nonroot user and prints its platform', async () => {
    if (!docker) return;
    const result = await runContainer(STATIC_TAG);
    expect(result).toEqual({
      exitCode: 0,
      stdout: 'hello from linux/amd64 as uid 65532\n',
      stderr: '',
      engineError: null,
      timedOut: false,
    });
  });

  it('reads back through dockerode with its entrypoint, user, platform and two layers', async () => {
    if (!docker) return;
    const info = await docker.getImage(STATIC_TAG).inspect();
    expect(info.Id).toBe(staticImageId);
    expect(info.Config.Entrypoint).toEqual(['/hello']);
    expect(info.Config.User).toBe('65532');
    expect([info.Os, info.Architecture]).toEqual(['linux', 'amd64']);
    // The base's one layer and the COPY --from=build layer.
    expect(info.RootFS.Layers).toHaveLength(2);
  });

  it('exports a static binary with no interpreter, built with CGO_ENABLED=0', async () => {
    if (!docker) return;
    const binary = await exportedFile(STATIC_TAG, 'hello');
    expect(binary.subarray(0, 4)).toEqual(Buffer.from('\x7fELF', 'latin1'));
    expect(inspectWith(binary, 'hello-static', 'readelf', ['-l'])).not.toContain('INTERP');
    expect(inspectWith(binary, 'hello-static', 'go', ['version', '-m'])).toContain(
      '\tbuild\tCGO_ENABLED=0\n',
    );
  });
});

describe('a CGO_ENABLED=1 Go binary FROM distroless-static-like', () => {
  it("cannot start: the engine reports the missing glibc loader as 'no such file or directory'", async () => {
    if (!docker) return;
    const result = await runContainer(CGO_TAG);
    expect(result.engineError).toBe('exec /hello: no such file or directory');
    const binary = await exportedFile(CGO_TAG, 'hello');
    expect(inspectWith(binary, 'hello-cgo', 'readelf', ['-l'])).toContain(
      '[Requesting program interpreter: /lib64/ld-linux-x86-64.so.2]',
    );
    expect(inspectWith(binary, 'hello-cgo', 'go', ['version', '-m'])).toContain(
      '\tbuild\tCGO_ENABLED=1\n',
    );
  });
});
