/**
 * Constructs real Dockerfiles of Go projects use that the model once read wrong (measured on a
 * set of public Dockerfiles it was not tuned on; those files are not in the repository). Each
 * fixture is a small Dockerfile written for the kind, with the model a careful reader expects:
 * where each file lands in the final image, from which stage, with which GOOS/GOARCH/CGO_ENABLED,
 * and which RUN built it.
 */
import { describe, expect, it } from '@jest/globals';
import { loadDockerfile } from '../../src/dockerfile/index.js';
import type { DockerfileModel, ReadOptions } from '../../src/dockerfile/types.js';

const fixture = (name: string, options: Omit<ReadOptions, 'path'> = {}): DockerfileModel =>
  loadDockerfile(`__tests__/dockerfile/fixtures/${name}.Dockerfile`, options);

/** path -> "stage GOOS/GOARCH cgo=X built@line" for every artifact, in model order. */
function summary(model: DockerfileModel): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of model.artifacts) {
    const d = a.declared;
    out[a.path] =
      `${a.stage} ${d.GOOS.value}/${d.GOARCH.value} cgo=${d.CGO_ENABLED.value} built@${a.blame.built?.startLine ?? '-'}`;
  }
  return out;
}

describe('where an opaque build output lands (a folder of files, at the COPY destination)', () => {
  it('TARGET=/out, DESTDIR=/out/helpers and build/bin are folders copied into the destination', () => {
    const m = fixture('opaque-output');
    expect(summary(m)).toEqual({
      '/opt/cli/': 'cli null/null cgo=null built@5',
      '/usr/local/libexec/': 'helpers null/null cgo=null built@10',
      '/usr/local/bin/': 'peer null/null cgo=null built@15',
    });
  });

  it('keeps Go defaults of script builds as assumptions beside a null declaration', () => {
    const cli = fixture('opaque-output').artifacts[0]!;
    expect(cli.declared.GOOS).toEqual({
      value: null,
      assumed: 'linux',
      implicit: false,
      origin:
        "decided by ./scripts/build/binary (line 5); Go's default: the target platform linux/amd64",
    });
    expect(cli.declared.CGO_ENABLED.assumed).toBe('0');
  });
});

describe('shell control flow (case, if, &&, ||) with the selectors the Dockerfile decides', () => {
  it('takes the linux branches for a linux target and never models the Windows files', () => {
    const m = fixture('control-flow');
    expect(summary(m)).toEqual({
      '/usr/local/bin/helper': 'build linux/amd64 cgo=1 built@9',
      '/usr/local/bin/tray': 'build linux/amd64 cgo=0 built@21',
      '/usr/local/bin/agent': 'build linux/amd64 cgo=1 built@26',
      '/usr/local/bin/flavoured/': 'build linux/amd64 cgo=null built@27',
    });
  });

  it('takes the windows branches for a windows target', () => {
    const m = fixture('control-flow', { platform: 'windows/amd64' });
    expect(Object.keys(summary(m))).toEqual([
      '/usr/local/bin/helper.exe',
      '/usr/local/bin/tray.exe',
      '/usr/local/bin/flavoured/',
    ]);
  });

  it('an unknown selector gives "one of these": no file names, values only where branches agree', () => {
    const flavoured = fixture('control-flow').artifacts.find(
      (a) => a.path === '/usr/local/bin/flavoured/',
    )!;
    expect(flavoured.declared.CGO_ENABLED).toEqual({
      value: null,
      assumed: null,
      implicit: false,
      origin: 'one of 1, 0 (a branch the model cannot choose)',
    });
    expect(flavoured.notes[0]).toBe(
      'one of 2 branches of `case "$(cat flavour.txt)"` (line 27) writes here; the model cannot tell which runs',
    );
  });
});

describe('builds that are not a plain go build', () => {
  it('reads sh -c strings, go test -c, go install of a module path, GOBIN, $(go env GOARCH) and .go files', () => {
    const m = fixture('wrapped-builds', { platform: 'linux/arm64' });
    expect(summary(m)).toEqual({
      '/usr/local/bin/moley': 'build linux/arm64 cgo=0 built@6',
      '/opt/puffer/puffer': 'build linux/arm64 cgo=1 built@7',
      '/tests/e2e.test': 'build linux/arm64 cgo=1 built@8',
      '/usr/local/bin/gouser': 'build linux/arm64 cgo=1 built@9',
      '/usr/local/bin/stringer': 'build linux/arm64 cgo=1 built@10',
      '/usr/local/bin/native': 'build linux/arm64 cgo=0 built@11',
      // A list of .go files is one package: one binary, at -o.
      '/pacman/pacman': 'build linux/arm64 cgo=1 built@12',
    });
    const native = m.artifacts.find((a) => a.path === '/usr/local/bin/native')!;
    expect(native.declared.GOARCH).toEqual({
      value: 'arm64',
      assumed: null,
      implicit: false,
      origin: 'inline on RUN line 11',
    });
  });
});

describe('blame: the build that produced the file', () => {
  it('make peer, not the make on the next line; a go build, not a later make elsewhere', () => {
    expect(summary(fixture('blame'))).toEqual({
      '/usr/local/bin/peer': 'builder null/null cgo=null built@6',
      '/usr/local/bin/wg-go': 'wg linux/amd64 cgo=1 built@11',
      '/usr/local/sbin/': 'wg null/null cgo=null built@13',
    });
  });
});

describe('what a builder image brings', () => {
  it('alpine-sdk is a C compiler; an image the model does not know leaves CGO_ENABLED open', () => {
    const m = fixture('builder-images');
    expect(summary(m)).toEqual({
      '/usr/local/bin/sdk': 'sdk linux/amd64 cgo=1 built@6',
      '/usr/local/bin/custom': 'custom linux/amd64 cgo=null built@11',
    });
    expect(m.artifacts[1]!.declared.CGO_ENABLED.origin).toBe(
      'Go default: whether ghcr.io/example/go-builder:1.22 has a C compiler is not known',
    );
  });

  it("reads the engine's config of the base image when the caller can look it up", () => {
    const looked: string[] = [];
    const m = fixture('builder-images', {
      baseImage: (reference) => {
        looked.push(reference);
        return reference === 'ghcr.io/example/go-builder:1.22'
          ? {
              env: ['PATH=/usr/local/go/bin:/usr/bin', 'CGO_ENABLED=0'],
              workingDir: '/go',
              compiler: true,
            }
          : null;
      },
    });
    expect(summary(m)['/usr/local/bin/custom']).toBe('custom linux/amd64 cgo=0 built@11');
    expect(m.artifacts[1]!.declared.CGO_ENABLED.origin).toBe(
      'ENV of ghcr.io/example/go-builder:1.22 (image config)',
    );
    // Each root base image once (scratch and stage names are not images).
    expect(looked.sort()).toEqual([
      'alpine:3.20',
      'ghcr.io/example/go-builder:1.22',
      'golang:1.22-alpine',
    ]);
  });

  it('a compiler on the image PATH turns the cgo default on', () => {
    const m = fixture('builder-images', {
      baseImage: (reference) =>
        reference.startsWith('ghcr.io/') ? { env: [], workingDir: null, compiler: true } : null,
    });
    expect(m.artifacts[1]!.declared.CGO_ENABLED).toEqual({
      value: '1',
      assumed: null,
      implicit: true,
      origin: 'Go default: a C compiler on the PATH of ghcr.io/example/go-builder:1.22 (image)',
    });
  });
});

describe('FROM references that do not resolve (BuildKit check UndefinedArgInFrom)', () => {
  it('names the variable and the reference BuildKit would pull', () => {
    const m = fixture('unresolved-from');
    expect(m.unresolved).toEqual([
      {
        range: { startLine: 4, endLine: 4 },
        names: ['GO_VER'],
        written: 'golang:${GO_VER}-${DEBIAN}',
        expanded: 'golang:-bookworm',
      },
    ]);
    expect(m.notes).toEqual([
      "line 4: FROM golang:${GO_VER}-${DEBIAN} expands to 'golang:-bookworm': GO_VER is set by no ARG default or --build-arg",
    ]);
  });

  it('is resolved by a --build-arg', () => {
    expect(fixture('unresolved-from', { buildArgs: { GO_VER: '1.22' } }).unresolved).toEqual([]);
  });
});

describe('files a C, C++ or Rust compiler wrote (`-o PATH`, or a.out when gcc links)', () => {
  it('are built by that RUN in that stage, with no Go triple', () => {
    const m = fixture('native-builds');
    expect(summary(m)).toEqual({
      '/app': 'c null/null cgo=null built@4',
      '/static': 'c null/null cgo=null built@5',
      '/a.out': 'c null/null cgo=null built@6',
      '/tool': 'rs null/null cgo=null built@10',
    });
    expect(m.artifacts.map((a) => [a.source, a.declared.GOOS.origin])).toEqual([
      ['built', 'not a Go build: gcc (line 4)'],
      ['built', 'not a Go build: x86_64-linux-gnu-gcc (line 5)'],
      ['built', 'not a Go build: clang-16 (line 6)'],
      ['built', 'not a Go build: rustc (line 10)'],
    ]);
  });
});
