// Each factory base is what its name says: checked by running it on the engine and by reading
// its exported filesystem with tar, not by trusting the recipe.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import {
  BASE,
  engine,
  FACTORY_BASES,
  ensureBaseImages,
  exportContainerFs,
  runContainer,
} from '../support/engine.js';

let docker: Docker | null = null;
let workDir = '';

beforeAll(async () => {
  docker = await engine('factory base images');
  if (!docker) return;
  workDir = mkdtempSync(path.join(tmpdir(), 'exit139-guard-bases-'));
  // Cold, the Debian bases take minutes to debootstrap; .ci/run builds them before the tests.
  await ensureBaseImages(FACTORY_BASES);
}, 30 * 60_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The merged filesystem of `image`: its entry names and a reader for one file. */
async function exportedFs(
  image: string,
): Promise<{ entries: string[]; read: (entry: string) => string }> {
  const file = path.join(workDir, `${image.replace(/[^a-z0-9]+/g, '-')}.tar`);
  await exportContainerFs(image, file);
  const entries = execFileSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .filter(Boolean);
  const read = (entry: string) => execFileSync('tar', ['-xOf', file, entry], { encoding: 'utf8' });
  return { entries, read };
}

const LIBC_OR_LOADER = /(^|\/)(ld-linux[^/]*|ld-musl-[^/]*|libc|libc\.musl-[^/]*)\.so[.\d]*$/;

describe('distroless-static-like', () => {
  it('has the users, CA bundle, zoneinfo and /tmp of distroless/static and no libc or loader', async () => {
    if (!docker) return;
    const fs = await exportedFs(BASE.distrolessStatic);
    expect(fs.entries).toEqual(
      expect.arrayContaining([
        'etc/passwd',
        'etc/group',
        'etc/nsswitch.conf',
        'etc/ssl/certs/ca-certificates.crt',
        'usr/share/zoneinfo/UTC',
        'usr/share/zoneinfo/Europe/Berlin',
        'tmp/',
      ]),
    );
    expect(fs.read('etc/passwd').split('\n')).toEqual(
      expect.arrayContaining([
        'root:x:0:0:root:/root:/sbin/nologin',
        'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
        'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
      ]),
    );
    expect(fs.read('etc/ssl/certs/ca-certificates.crt')).toContain('-----BEGIN CERTIFICATE-----');
    expect(fs.entries.filter((entry) => LIBC_OR_LOADER.test(entry))).toEqual([]);
  });

  it('has no shell: the engine cannot start /bin/sh', async () => {
    if (!docker) return;
    const result = await runContainer(BASE.distrolessStatic, { entrypoint: ['/bin/sh'] });
    expect(result.engineError).toContain(
      'exec: "/bin/sh": stat /bin/sh: no such file or directory',
    );
  });
});

describe('alpine-like', () => {
  it('runs busybox sh', async () => {
    if (!docker) return;
    const result = await runContainer(BASE.alpineLike, { cmd: ['/bin/sh', '-c', 'echo ok'] });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ok\n', engineError: null });
  });

  it("has musl's loader at /lib/ld-musl-x86_64.so.1, its path file, and no glibc names", async () => {
    if (!docker) return;
    // Run with no arguments, musl's loader prints its version and exits 1.
    const loader = await runContainer(BASE.alpineLike, {
      entrypoint: ['/lib/ld-musl-x86_64.so.1'],
    });
    expect(loader.exitCode).toBe(1);
    expect(loader.stderr).toMatch(/^musl libc \(x86_64\)\nVersion 1\.2\.\d+\n/);
    const fs = await exportedFs(BASE.alpineLike);
    expect(fs.read('etc/ld-musl-x86_64.path')).toBe('/lib\n/usr/local/lib\n/usr/lib\n');
    expect(fs.entries.filter((entry) => LIBC_OR_LOADER.test(entry)).sort()).toEqual([
      'lib/ld-musl-x86_64.so.1',
      'lib/libc.musl-x86_64.so.1',
    ]);
  });
});

describe('alpine-compat', () => {
  it("links glibc's loader and sonames to musl, as libc6-compat does", async () => {
    if (!docker) return;
    const result = await runContainer(BASE.alpineCompat, {
      cmd: [
        '/bin/sh',
        '-c',
        'for f in /lib64/ld-linux-x86-64.so.2 /lib/libc.so.6 /lib/libm.so.6 /lib/libpthread.so.0; do echo "$f -> $(readlink -f $f)"; done',
      ],
    });
    expect(result.stdout).toBe(
      [
        '/lib64/ld-linux-x86-64.so.2 -> /lib/ld-musl-x86_64.so.1',
        '/lib/libc.so.6 -> /lib/ld-musl-x86_64.so.1',
        '/lib/libm.so.6 -> /lib/ld-musl-x86_64.so.1',
        '/lib/libpthread.so.0 -> /lib/ld-musl-x86_64.so.1',
        '',
      ].join('\n'),
    );
  });
});

describe('Debian bases', () => {
  it.each([
    ['bookworm', '2.36', BASE.bookworm, '12.'],
    ['bullseye', '2.31', BASE.bullseye, '11.'],
  ])('%s runs glibc %s', async (_name, glibc, image, debianVersion) => {
    if (!docker) return;
    const result = await runContainer(image, {
      cmd: ['sh', '-c', 'ldd --version | head -n1; cat /etc/debian_version'],
    });
    const [lddLine, version] = result.stdout.split('\n');
    expect(lddLine).toMatch(
      new RegExp(
        `^ldd \\(Debian GLIBC ${glibc.replace('.', '\\.')}-[^)]+\\) ${glibc.replace('.', '\\.')}$`,
      ),
    );
    expect(version.startsWith(debianVersion)).toBe(true);
  });

  it('bookworm merges /usr and bullseye does not, like the official images', async () => {
    if (!docker) return;
    const script = 'readlink /lib64 || echo directory';
    const bookworm = await runContainer(BASE.bookworm, { cmd: ['sh', '-c', script] });
    const bullseye = await runContainer(BASE.bullseye, { cmd: ['sh', '-c', script] });
    expect([bookworm.stdout, bullseye.stdout]).toEqual(['usr/lib64\n', 'directory\n']);
  });
});

describe('go-builder', () => {
  it('has Go 1.19, gcc and musl-gcc, with no module proxy', async () => {
    if (!docker) return;
    const result = await runContainer(BASE.goBuilder, {
      cmd: [
        'sh',
        '-c',
        'go version; go env CGO_ENABLED GOPROXY; gcc -dumpmachine; command -v musl-gcc',
      ],
    });
    expect(result.stdout).toMatch(
      /^go version go1\.19(\.\d+)? linux\/amd64\n1\noff\nx86_64-linux-gnu\n\/usr\/bin\/musl-gcc\n$/,
    );
  });
});
