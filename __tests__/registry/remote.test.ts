import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main.js';
import type { ScanReport } from '../../src/findings.js';
import { readDockerConfig } from '../../src/image/registry/index.js';
import { formatJson } from '../../src/report/json.js';
import { scan, type ImageSourceSpec } from '../../src/scan.js';
import { bundleAction, FIXTURES, runAction } from '../action/run-action.js';
import { engine, ensureBaseImages, FACTORY_BASES, saveImage } from '../support/engine.js';
import {
  PASSWORD,
  pushArchive,
  registryTools,
  startRegistry,
  USER,
  type TestRegistry,
} from '../support/registry.js';
import { buildScenario, SCENARIO_DIR } from '../support/scenarios.js';

/**
 * `scan --remote`: every scenario image, pushed by skopeo to a real registry (Debian's
 * docker-registry on 127.0.0.1), must give byte for byte the report its docker-save archive
 * gives, apart from where the image came from (image.ref, image.digest) and the duration.
 */
const SCENARIOS = readdirSync(SCENARIO_DIR)
  .filter((f) => f.endsWith('.Dockerfile'))
  .map((f) => f.slice(0, -'.Dockerfile'.length))
  .sort();

const work = mkdtempSync(path.join(tmpdir(), 'exit139-guard-remote-'));
const registries: TestRegistry[] = [];
let open: TestRegistry | null = null;
const archives = new Map<string, string>();

function withoutSource(report: ScanReport): string {
  const json = JSON.parse(formatJson(report)) as {
    image: Record<string, unknown>;
    summary: Record<string, unknown>;
  };
  json.image.ref = null;
  json.image.digest = null;
  json.summary.durationMs = 0;
  return JSON.stringify(json, null, 2);
}

function dockerfileOf(name: string) {
  return {
    path: `scenarios/${name}.Dockerfile`,
    text: readFileSync(path.join(SCENARIO_DIR, `${name}.Dockerfile`), 'utf8'),
  };
}

async function scanBoth(name: string, source: ImageSourceSpec, platform?: string) {
  const options = { dockerfile: dockerfileOf(name), ...(platform ? { platform } : {}) };
  const local = await scan({ source: { kind: 'archive', path: archives.get(name)! }, ...options });
  const remote = await scan({ source, ...options });
  return { local, remote };
}

function configFile(host: string, user = USER, password = PASSWORD): string {
  const file = path.join(work, `config-${host.replace(/\W/g, '_')}-${user}.json`);
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  writeFileSync(file, JSON.stringify({ auths: { [host]: { auth } } }));
  return file;
}

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

beforeAll(async () => {
  if (!registryTools('scan --remote') || !(await engine('scan --remote'))) return;
  await ensureBaseImages(FACTORY_BASES);
  open = await startRegistry();
  registries.push(open);
  // Three at a time: the engine's builds and saves wait on disk while skopeo compresses.
  const queue = [...SCENARIOS];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const tag = await buildScenario(name);
      const archive = path.join(work, `${name}.tar`);
      await saveImage(tag, archive);
      archives.set(name, archive);
      await pushArchive(`docker-archive:${archive}`, `${open!.host}/scenario/${name}:test`);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}, 900_000);

afterAll(async () => {
  for (const registry of registries) await registry.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('scan --remote gives the archive scan findings', () => {
  it.each(SCENARIOS)('%s', async (name) => {
    if (!open) return;
    const ref = `${open.host}/scenario/${name}:test`;
    const { local, remote } = await scanBoth(name, { kind: 'registry', ref, insecure: true });
    expect(remote.image.ref).toBe(ref);
    expect(remote.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(withoutSource(remote)).toBe(withoutSource(local));
  });

  it('reads OCI manifests with zstd layers the same way', async () => {
    if (!open) return;
    // A registry of its own: skopeo would otherwise reuse the gzip blobs it pushed before.
    const fresh = await startRegistry();
    registries.push(fresh);
    const name = 'cgo-alpine';
    const ref = `${fresh.host}/zstd/${name}:test`;
    await pushArchive(`docker-archive:${archives.get(name)}`, ref, {
      format: 'oci',
      compression: 'zstd',
    });
    const manifest = await fetch(`http://${fresh.host}/v2/zstd/${name}/manifests/test`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    }).then((r) => r.json() as Promise<{ layers: { mediaType: string }[] }>);
    expect(manifest.layers.map((l) => l.mediaType)).toContain(
      'application/vnd.oci.image.layer.v1.tar+zstd',
    );
    const { local, remote } = await scanBoth(name, { kind: 'registry', ref, insecure: true });
    expect(local.findings.some((f) => f.level === 'error')).toBe(true);
    // skopeo's conversion to OCI writes a new config (its own JSON), so the image id differs.
    expect(remote.image.id).not.toBe(local.image.id);
    remote.image.id = local.image.id;
    expect(withoutSource(remote)).toBe(withoutSource(local));
  });

  it('picks the platform from an index (asked, else this machine)', async () => {
    if (!open) return;
    // An index of the amd64 cgo-alpine image and the arm64 program of arm64-in-amd64, as
    // `docker buildx --platform linux/amd64,linux/arm64` pushes one.
    const entry = async (name: string, architecture: string) => {
      const res = await fetch(`http://${open!.host}/v2/scenario/${name}/manifests/test`, {
        headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      return {
        mediaType: res.headers.get('content-type'),
        digest: res.headers.get('docker-content-digest'),
        size: bytes.length,
        platform: { os: 'linux', architecture },
      };
    };
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [await entry('cgo-alpine', 'amd64'), await entry('arm64-in-amd64', 'arm64')],
    };
    // Blobs and manifests must be in the index's own repository.
    for (const name of ['cgo-alpine', 'arm64-in-amd64']) {
      await pushArchive(`docker-archive:${archives.get(name)}`, `${open.host}/multi/app:${name}`);
    }
    const put = await fetch(`http://${open.host}/v2/multi/app/manifests/both`, {
      method: 'PUT',
      headers: { 'content-type': index.mediaType },
      body: JSON.stringify(index),
    });
    expect(put.status).toBe(201);
    const ref = `${open.host}/multi/app:both`;
    // The index's entry is chosen; the report states the platform of the image's own config.
    const { local, remote } = await scanBoth(
      'arm64-in-amd64',
      { kind: 'registry', ref, insecure: true },
      'linux/arm64',
    );
    expect(remote.image.digest).toBe(index.manifests[1].digest);
    expect(withoutSource(remote)).toBe(withoutSource(local));
    expect(local.findings.some((f) => f.ruleId === 'EG106')).toBe(true);
    if (process.arch === 'x64') {
      const mine = await scan({ source: { kind: 'registry', ref, insecure: true } });
      expect(mine.image.platform).toBe('linux/amd64');
      expect(mine.image.digest).toBe(index.manifests[0].digest);
    }
    await expect(
      scan({ source: { kind: 'registry', ref, insecure: true }, platform: 'linux/s390x' }),
    ).rejects.toThrow(
      `registry:${ref}: has no image for platform linux/s390x; it has: linux/amd64, linux/arm64`,
    );
  });
});

describe('registry logins', () => {
  const name = 'cgo-scratch';

  it.each(['htpasswd', 'token'] as const)(
    '%s: scans with the config.json login, refuses without',
    async (auth) => {
      if (!open) return;
      const registry = await startRegistry(auth);
      registries.push(registry);
      const ref = `${registry.host}/private/${name}:test`;
      await pushArchive(`docker-archive:${archives.get(name)}`, ref, { credentials: true });
      const tokensBefore = registry.tokensIssued();

      const credentials = {
        kind: 'docker-config' as const,
        config: readDockerConfig(configFile(registry.host)),
      };
      const { local, remote } = await scanBoth(name, {
        kind: 'registry',
        ref,
        insecure: true,
        credentials,
      });
      expect(withoutSource(remote)).toBe(withoutSource(local));
      if (auth === 'token') expect(registry.tokensIssued()).toBeGreaterThan(tokensBefore);

      const where = `registry ${registry.host}/private/${name}: manifest test`;
      await expect(scan({ source: { kind: 'registry', ref, insecure: true } })).rejects.toThrow(
        auth === 'htpasswd'
          ? `${where}: the registry needs a login: give credentials (--registry-auth CONFIG_JSON, or the registry-username/registry-password inputs)`
          : `${where}: token from http://127.0.0.1:`,
      );
      const wrong = {
        kind: 'docker-config' as const,
        config: readDockerConfig(configFile(registry.host, USER, 'wrong')),
      };
      await expect(
        scan({ source: { kind: 'registry', ref, insecure: true, credentials: wrong } }),
      ).rejects.toThrow(
        auth === 'htpasswd'
          ? `${where}: the registry refused the credentials of '${USER}' (401 Unauthorized)`
          : /token from http:\/\/127\.0\.0\.1:\d+\/token: answered 401: the registry refused the credentials of 'ci-reader' from /,
      );

      if (auth === 'htpasswd') {
        // The action, bundled and run as the runner runs it, with the login as inputs.
        const run = await runAction({
          bundleDir: bundleAction(),
          workspace: mkdtempSync(path.join(work, 'workspace-')),
          apiUrl: 'http://127.0.0.1:9',
          eventName: 'push',
          eventFile: path.join(FIXTURES, 'push.json'),
          inputs: {
            'image-remote': ref,
            'registry-username': USER,
            'registry-password': PASSWORD,
            'insecure-registry': 'true',
            dockerfile: '',
          },
        });
        expect(run.stderr).toBe('');
        expect(run.code).toBe(1);
        expect(run.outputs.result).toBe('fail');
        expect(Number(run.outputs.errors)).toBe(local.summary.errors);
        // The password only ever appears in the mask command the runner consumes.
        expect(run.stdout.split(PASSWORD).length - 1).toBe(1);
        expect(run.stdout).toContain(`::add-mask::${PASSWORD}`);
      }

      // The command line, with --registry-auth: exit 1 for the failing image, the JSON contract.
      const result = await cli([
        'scan',
        '--remote',
        ref,
        '--insecure-registry',
        '--registry-auth',
        configFile(registry.host),
        '--format',
        'json',
      ]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(1);
      expect((JSON.parse(result.stdout) as ScanReport).image.ref).toBe(ref);
    },
  );

  it('refuses plain HTTP to a registry that is not on this machine', async () => {
    const result = await cli([
      'scan',
      '--remote',
      'registry.example.com/app:1',
      '--insecure-registry',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'exit139-guard scan: --insecure-registry (plain HTTP) is only for registries on this machine (localhost, 127.0.0.1, [::1]), not registry.example.com',
    );
  });
});
