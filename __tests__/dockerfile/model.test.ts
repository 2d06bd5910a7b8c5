/**
 * The Dockerfile model against BuildKit's documented semantics. Every describe block names the
 * section of shared/notes/buildkit-dockerfile-reference.md (moby/buildkit
 * frontend/dockerfile/docs/reference.md @73ed6825) that the expectations come from.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { artifactFor, loadDockerfile, readDockerfile } from '../../src/dockerfile/index.js';
import type { Artifact, DockerfileModel, ReadOptions } from '../../src/dockerfile/types.js';
import { thrownMessage } from '../support/thrown.js';

function read(text: string, options: Partial<ReadOptions> = {}): DockerfileModel {
  return readDockerfile(text, { path: 'Dockerfile', ...options });
}

function artifact(model: DockerfileModel, path: string): Artifact {
  const found = model.artifacts.find((a) => a.path === path);
  if (!found)
    throw new Error(`no artifact ${path}; have ${model.artifacts.map((a) => a.path).join(', ')}`);
  return found;
}

/** GOOS/GOARCH/CGO_ENABLED values of an artifact, as one string. */
function triple(model: DockerfileModel, path: string): string {
  const d = artifact(model, path).declared;
  return `${d.GOOS.value}/${d.GOARCH.value} cgo=${d.CGO_ENABLED.value}`;
}

const inputError = (fn: () => unknown): string => thrownMessage(fn);

describe('reference "Understand how ARG and FROM interact" and ARG "Scope"', () => {
  it('a global ARG is visible in FROM but empty inside a stage until re-declared', () => {
    const model = read(
      [
        'ARG GO_VERSION=1.22',
        'ARG TARGET_GOOS=linux',
        'FROM golang:${GO_VERSION} AS build',
        'ENV TARGET_GOOS=${TARGET_GOOS}',
        'RUN GOOS=$TARGET_GOOS go build -o /out/plain .',
        'ARG TARGET_GOOS',
        'RUN GOOS=$TARGET_GOOS go build -o /out/redeclared .',
        'FROM scratch',
        'COPY --from=build /out/ /',
      ].join('\n'),
      { platform: 'linux/arm64' },
    );
    expect(model.stages[0]!.from).toBe('golang:1.22');
    // ENV of the empty value wins over the re-declared ARG (ENV over ARG), so both builds get
    // GOOS unset -> Go's default, the target's os.
    expect(artifact(model, '/plain').declared.GOOS).toEqual({
      value: 'linux',
      assumed: null,
      implicit: true,
      origin: 'Go default: the target platform linux/arm64',
    });
    expect(artifact(model, '/redeclared').declared.GOOS.implicit).toBe(true);
  });

  it('a bare ARG in a stage takes the global default; ARG NAME=value its own', () => {
    const model = read(
      [
        'ARG ARCH=arm64',
        'FROM golang:1.22 AS build',
        'ARG ARCH',
        'RUN GOARCH=$ARCH go build -o /a ./cmd/a',
        'ARG ARCH=riscv64',
        'RUN GOARCH=$ARCH go build -o /b ./cmd/b',
        'FROM scratch',
        'COPY --from=build /a /b /',
      ].join('\n'),
    );
    expect(artifact(model, '/a').declared.GOARCH.value).toBe('arm64');
    expect(artifact(model, '/b').declared.GOARCH.value).toBe('riscv64');
  });

  it('an ARG between stages belongs to the previous stage, not to the next FROM', () => {
    const model = read(
      [
        'ARG BASE=alpine:3.20',
        'FROM golang:1.22 AS build',
        'ARG BASE=debian:12',
        'FROM ${BASE}',
      ].join('\n'),
    );
    expect(model.finalStage.from).toBe('alpine:3.20');
    expect(model.finalBaseKind).toBe('alpine');
  });

  it('--build-arg overrides defaults, in FROM and in stages', () => {
    const text = [
      'ARG BASE=alpine:3.20',
      'FROM golang:1.22 AS build',
      'ARG GOARCH=amd64',
      'RUN go build -o /app .',
      'FROM ${BASE}',
      'COPY --from=build /app /app',
    ].join('\n');
    const model = read(text, { buildArgs: { BASE: 'ubuntu:24.04', GOARCH: 's390x' } });
    expect(model.finalBase).toBe('ubuntu:24.04');
    expect(artifact(model, '/app').declared.GOARCH).toEqual({
      value: 's390x',
      assumed: null,
      implicit: false,
      origin: '--build-arg GOARCH (ARG line 3)',
    });
  });
});

describe('reference "Automatic platform ARGs in the global scope"', () => {
  const text = [
    'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
    'ARG TARGETOS TARGETARCH',
    'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/cross ./cmd/cross',
    'RUN go build -o /out/native ./cmd/native',
    'FROM golang:1.22 AS emulated',
    'RUN go build -o /out/emulated ./cmd/emulated',
    'FROM alpine',
    'COPY --from=build /out/ /usr/bin/',
    'COPY --from=emulated /out/emulated /usr/bin/',
  ].join('\n');

  it('TARGETOS/TARGETARCH come from --platform; BUILDPLATFORM from the builder', () => {
    const model = read(text, { platform: 'linux/arm64', buildPlatform: 'linux/amd64' });
    expect(model.stages[0]!.platform).toBe('linux/amd64');
    expect(model.stages[0]!.platformPinned).toBe(true);
    expect(triple(model, '/usr/bin/cross')).toBe('linux/arm64 cgo=0');
    expect(artifact(model, '/usr/bin/cross').declared.CGO_ENABLED.origin).toBe(
      'Go default: cross-compiling to linux/arm64',
    );
    // Unset GOARCH in a stage pinned to $BUILDPLATFORM: the build platform's (DESIGN.md).
    expect(triple(model, '/usr/bin/native')).toBe('linux/amd64 cgo=1');
    // No --platform on FROM: the stage runs on the target platform.
    expect(triple(model, '/usr/bin/emulated')).toBe('linux/arm64 cgo=1');
  });

  it('without --platform the target is the build platform', () => {
    const model = read(text, { buildPlatform: 'linux/arm64' });
    expect(model.platform).toBe('linux/arm64');
    expect(triple(model, '/usr/bin/cross')).toBe('linux/arm64 cgo=1');
  });

  it('a default on an automatic ARG wins unless a --build-arg is given (buildx#510)', () => {
    const pinned = [
      'ARG BUILDPLATFORM=linux/amd64',
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'ARG TARGETARCH=amd64',
      'RUN GOARCH=$TARGETARCH go build -o /tool ./cmd/tool',
      'FROM scratch',
      'COPY --from=build /tool /tool',
    ].join('\n');
    const model = read(pinned, { platform: 'linux/arm64', buildPlatform: 'linux/arm64' });
    expect(model.stages[0]!.platform).toBe('linux/amd64');
    expect(artifact(model, '/tool').declared.GOARCH).toEqual({
      value: 'amd64',
      assumed: null,
      implicit: false,
      origin: 'inline on RUN line 4',
    });
    const overridden = read(pinned, {
      platform: 'linux/arm64',
      buildArgs: { TARGETARCH: 'arm64' },
    });
    expect(artifact(overridden, '/tool').declared.GOARCH.value).toBe('arm64');
  });

  it('the automatic ARGs are not visible in a stage that does not declare them', () => {
    const model = read(
      ['FROM golang:1.22', 'RUN GOARCH=${TARGETARCH:-mips} go build -o /x ./cmd/x'].join('\n'),
      { platform: 'linux/arm64' },
    );
    expect(artifact(model, '/x').declared.GOARCH.value).toBe('mips');
  });
});

describe('reference "ENV" and ARG "Using ARG variables"', () => {
  it('ENV overrides an ARG of the same name', () => {
    const model = read(
      [
        'FROM golang:1.22',
        'ARG CGO_ENABLED=1',
        'ENV CGO_ENABLED=0',
        'RUN go build -o /x ./cmd/x',
      ].join('\n'),
    );
    expect(artifact(model, '/x').declared.CGO_ENABLED).toEqual({
      value: '0',
      assumed: null,
      implicit: false,
      origin: 'ENV line 3',
    });
  });

  it('an ARG value reaches the RUN environment', () => {
    const model = read(
      ['FROM golang:1.22', 'ARG CGO_ENABLED=0', 'RUN go build -o /x ./cmd/x'].join('\n'),
    );
    expect(artifact(model, '/x').declared.CGO_ENABLED).toEqual({
      value: '0',
      assumed: null,
      implicit: false,
      origin: 'ARG line 2',
    });
  });

  it('one instruction uses the old values throughout (ENV abc=bye def=$abc)', () => {
    const model = read(
      [
        'FROM golang:1.22',
        'ENV GOOS=linux',
        'ENV GOOS=windows GOARCH=$GOOS',
        'RUN go build -o /x ./cmd/x',
      ].join('\n'),
    );
    expect(triple(model, '/x')).toBe('windows/linux cgo=0');
  });

  it('supports the legacy `ENV key value` form', () => {
    const model = read(
      ['FROM golang:1.22', 'ENV CGO_ENABLED 0', 'RUN go build -o /x ./cmd/x'].join('\n'),
    );
    expect(artifact(model, '/x').declared.CGO_ENABLED.value).toBe('0');
  });

  it('a stage inherits ENV and ARG of its parent stage, not of unrelated stages (FROM <stage>)', () => {
    const model = read(
      [
        'FROM golang:1.22 AS base',
        'ENV CGO_ENABLED=0',
        'ARG GOARCH=arm64',
        'FROM golang:1.22 AS unrelated',
        'ENV GOOS=windows',
        'FROM base AS build',
        'RUN go build -o /x ./cmd/x',
        'FROM scratch',
        'COPY --from=build /x /x',
      ].join('\n'),
    );
    expect(triple(model, '/x')).toBe('linux/arm64 cgo=0');
    expect(artifact(model, '/x').declared.GOARCH.origin).toBe('ARG line 3');
  });
});

describe('reference "FROM", "COPY --from": stages by name, index, variable; images', () => {
  it('FROM binaries-$TARGETOS picks the stage of the target os', () => {
    const path = '__tests__/dockerfile/fixtures/xx-cross.Dockerfile';
    const linux = loadDockerfile(path, { platform: 'linux/arm64' });
    expect(linux.stages[7]!).toMatchObject({
      name: 'binaries',
      from: 'binaries-linux',
      fromStage: 4,
    });
    expect(linux.artifacts.map((a) => a.path)).toEqual(['/pinwheel']);
    const windows = loadDockerfile(path, { platform: 'windows/amd64' });
    expect(windows.stages[7]!).toMatchObject({ from: 'binaries-windows', fromStage: 6 });
    expect(windows.artifacts.map((a) => a.path)).toEqual(['/pinwheel.exe']);
    expect(triple(windows, '/pinwheel.exe')).toBe('windows/amd64 cgo=0');
  });

  it('COPY --from=<index> names a stage by its position, --from=<image> an image', () => {
    const model = read(
      [
        'FROM golang:1.22',
        'RUN CGO_ENABLED=0 go build -o /bin/agent ./cmd/agent',
        'FROM alpine',
        'COPY --from=0 /bin/agent /agent',
        'COPY --from=busybox:1.36 /bin/busybox /bin/busybox',
      ].join('\n'),
    );
    expect(artifact(model, '/agent')).toMatchObject({ stage: '0', source: 'built' });
    expect(artifact(model, '/bin/busybox')).toMatchObject({
      stage: 'busybox:1.36',
      source: 'image',
    });
  });

  it('stage names are case-insensitive', () => {
    const model = read(
      [
        'FROM golang:1.22 AS Build',
        'RUN go build -o /x ./cmd/x',
        'FROM scratch',
        'COPY --from=BUILD /x /x',
      ].join('\n'),
    );
    expect(artifact(model, '/x').stage).toBe('build');
  });

  it('--target builds the named stage; the default is the last stage', () => {
    const text = [
      'FROM golang:1.22 AS build',
      'RUN go build -o /x ./cmd/x',
      'FROM scratch AS release',
      'COPY --from=build /x /x',
      'FROM alpine AS debug',
      'COPY --from=build /x /dbg',
    ].join('\n');
    expect(read(text).target).toBe('debug');
    const release = read(text, { target: 'release' });
    expect(release.target).toBe('release');
    expect(release.finalBaseKind).toBe('scratch');
    expect(release.artifacts.map((a) => a.path)).toEqual(['/x']);
  });
});

describe('reference "RUN --mount=type=bind": reading another stage', () => {
  it('follows cp out of a from= mount into the releaser stage', () => {
    const model = loadDockerfile('__tests__/dockerfile/fixtures/xx-cross.Dockerfile', {
      target: 'release',
      platform: 'linux/arm64',
    });
    const released = artifact(model, '/pinwheel-linux-arm64*');
    expect(released.source).toBe('built');
    expect(released.chain.map((c) => `${c.stage}:${c.instruction}:${c.range.startLine}`)).toEqual([
      'build:RUN:17',
      'binaries-unix:COPY:25',
      'releaser:RUN:39',
      'release:COPY:44',
    ]);
  });

  it('reads a named mount source and target', () => {
    const model = read(
      [
        'FROM golang:1.22 AS build',
        'RUN go build -o /out/tool ./cmd/tool',
        'FROM alpine',
        'RUN --mount=type=bind,from=build,source=/out,target=/mnt cp /mnt/tool /usr/local/bin/tool',
      ].join('\n'),
    );
    expect(artifact(model, '/usr/local/bin/tool').blame).toEqual({
      placed: { startLine: 4, endLine: 4 },
      built: { startLine: 2, endLine: 2 },
      from: { startLine: 3, endLine: 3 },
    });
  });
});

describe('reference "COPY": "Destination", "Pattern matching", "COPY --chmod", "COPY --chown"', () => {
  const model = loadDockerfile('__tests__/dockerfile/fixtures/alpine-cgo.Dockerfile');

  it('copies several sources into a directory destination with their modes', () => {
    expect(artifact(model, '/usr/bin/ledger')).toMatchObject({
      chmod: '0755',
      chown: '1000:1000',
      blame: {
        placed: { startLine: 12, endLine: 12 },
        built: { startLine: 5, endLine: 7 },
        from: { startLine: 10, endLine: 10 },
      },
    });
    expect(artifact(model, '/usr/bin/ledgerctl').source).toBe('built');
  });

  it('a relative destination is relative to WORKDIR', () => {
    const m = read(
      [
        'FROM golang:1.22 AS b',
        'WORKDIR /src',
        'RUN go build -o bin/app ./cmd/app',
        'FROM alpine',
        'WORKDIR /opt/app',
        'COPY --from=b /src/bin/app ./app',
      ].join('\n'),
    );
    expect(artifact(m, '/opt/app/app').blame.built).toEqual({ startLine: 3, endLine: 3 });
  });

  it('a directory source copies what is under it; a glob matches the files written', () => {
    const m = read(
      [
        'FROM golang:1.22 AS b',
        'RUN go build -o /out/one ./cmd/one && go build -o /out/two ./cmd/two',
        'FROM scratch AS dir',
        'COPY --from=b /out /bin',
        'FROM dir',
        'COPY --from=b /out/t* /glob/',
      ].join('\n'),
    );
    expect(m.artifacts.map((a) => a.path)).toEqual(['/bin/one', '/bin/two', '/glob/two']);
  });
});

describe('Go builds inside RUN (DESIGN "stages" contract)', () => {
  it('reads go build flags: -o, -ldflags with -linkmode/-extldflags/-X, -tags, -trimpath, -buildmode', () => {
    const m = read(
      [
        'FROM golang:1.22-bookworm AS b',
        'ARG VERSION=1.2.3',
        'RUN go build -trimpath -buildmode=pie -tags "netgo osusergo" \\',
        '      -ldflags "-s -w -X main.version=${VERSION} -linkmode=external -extldflags \'-static -lm\'" \\',
        '      -o /out/svc ./cmd/svc',
        'FROM gcr.io/distroless/cc-debian12',
        'COPY --from=b /out/svc /svc',
      ].join('\n'),
    );
    expect(artifact(m, '/svc').flags).toEqual({
      ldflags: "-s -w -X main.version=1.2.3 -linkmode=external -extldflags '-static -lm'",
      tags: ['netgo', 'osusergo'],
      trimpath: true,
      buildmode: 'pie',
      linkmode: 'external',
      extldflags: '-static -lm',
    });
    expect(m.finalBaseKind).toBe('distroless-cc');
  });

  it('names the distroless flavour from a word of the image name, wherever it stands', () => {
    const kind = (image: string) => read(`FROM ${image}`).finalBaseKind;
    expect(
      [
        'gcr.io/distroless/static-debian12:nonroot',
        'gcr.io/distroless/base-nossl-debian12',
        'gcr.io/distroless/cc-debian12',
        'gcr.io/distroless/java17-debian12',
        'exit139-guard-test/distroless-static-like:local',
        'exit139-guard-test/distroless-base-like:local',
        'mirror.example/distroless/static',
      ].map(kind),
    ).toEqual([
      'distroless-static',
      'distroless-base',
      'distroless-cc',
      'distroless-cc',
      'distroless-static',
      'distroless-base',
      'distroless-static',
    ]);
  });

  it('takes flags from GOFLAGS when the command line does not set them', () => {
    const m = read(
      [
        'FROM golang:1.22 AS b',
        'ENV GOFLAGS="-mod=vendor -trimpath -tags=netgo"',
        'RUN go build -o /a ./cmd/a && go build -tags osusergo -o /b ./cmd/b',
        'FROM scratch',
        'COPY --from=b /a /b /',
      ].join('\n'),
    );
    expect(artifact(m, '/a').flags).toMatchObject({ trimpath: true, tags: ['netgo'] });
    expect(artifact(m, '/b').flags).toMatchObject({ trimpath: true, tags: ['osusergo'] });
  });

  it('reads inline assignments, export, and env X=Y', () => {
    const m = read(
      [
        'FROM golang:1.22 AS b',
        'RUN export CGO_ENABLED=0 GOOS=linux; \\',
        '    GOARCH=arm64 go build -o /out/a ./cmd/a; \\',
        '    env GOARCH=ppc64le go build -o /out/b ./cmd/b | tee /log',
        'FROM scratch',
        'COPY --from=b /out/ /',
      ].join('\n'),
    );
    expect(triple(m, '/a')).toBe('linux/arm64 cgo=0');
    expect(artifact(m, '/a').declared.CGO_ENABLED.origin).toBe('export on RUN line 2');
    expect(artifact(m, '/a').declared.GOARCH.origin).toBe('inline on RUN line 2');
    expect(triple(m, '/b')).toBe('linux/ppc64le cgo=0');
  });

  it('an export under a condition is not taken as certain', () => {
    const m = read(
      [
        'FROM golang:1.22 AS b',
        'ENV CGO_ENABLED=0',
        'RUN if [ "$(uname -m)" = "s390x" ]; then export CGO_ENABLED=1; fi && go build -o /a ./cmd/a',
        'FROM scratch',
        'COPY --from=b /a /a',
      ].join('\n'),
    );
    expect(artifact(m, '/a').declared.CGO_ENABLED.origin).toBe('ENV line 2');
  });

  it('reads heredoc bodies as shell scripts', () => {
    const m = read(
      [
        'FROM golang:1.22-alpine AS b',
        'RUN <<EOT',
        '  set -e',
        '  CGO_ENABLED=0 go install ./cmd/relay',
        'EOT',
        'FROM alpine',
        'COPY --from=b /go/bin/relay /usr/bin/relay',
      ].join('\n'),
    );
    expect(artifact(m, '/usr/bin/relay').blame.built).toEqual({ startLine: 2, endLine: 5 });
    expect(triple(m, '/usr/bin/relay')).toBe('linux/amd64 cgo=0');
  });

  it('go build without -o names the binary after the package, in the working directory', () => {
    const m = read(
      [
        'FROM golang:1.22 AS b',
        'WORKDIR /src',
        'RUN go build ./cmd/probe/.',
        'FROM scratch',
        'COPY --from=b /src/probe /probe',
      ].join('\n'),
    );
    expect(artifact(m, '/probe').source).toBe('built');
  });

  it('xx-go build and xx-go --wrap take GOOS/GOARCH from TARGETPLATFORM', () => {
    const m = loadDockerfile('__tests__/dockerfile/fixtures/xx-cross.Dockerfile', {
      platform: 'linux/arm64',
    });
    expect(artifact(m, '/pinwheel').declared).toEqual({
      GOOS: {
        value: 'linux',
        assumed: null,
        implicit: false,
        origin: 'xx-go (TARGETPLATFORM linux/arm64)',
      },
      GOARCH: {
        value: 'arm64',
        assumed: null,
        implicit: false,
        origin: 'xx-go (TARGETPLATFORM linux/arm64)',
      },
      CGO_ENABLED: { value: '0', assumed: null, implicit: false, origin: 'ENV line 12' },
    });
    const wrapped = read(
      [
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS b',
        'COPY --from=tonistiigi/xx / /',
        'ARG TARGETPLATFORM',
        'RUN xx-go --wrap && go build -o /app ./cmd/app',
        'FROM scratch',
        'COPY --from=b /app /app',
      ].join('\n'),
      { platform: 'linux/s390x' },
    );
    expect(triple(wrapped, '/app')).toBe('linux/s390x cgo=0');
  });

  it('make decides CGO_ENABLED: null with a note naming the command; explicit values still count', () => {
    const m = loadDockerfile('__tests__/dockerfile/fixtures/make-driven.Dockerfile', {
      platform: 'linux/arm64',
    });
    const lantern = artifact(m, '/usr/local/bin/lantern');
    // Go's default stays beside the declaration as an assumption, never in it.
    expect(lantern.declared.CGO_ENABLED).toEqual({
      value: null,
      assumed: '1',
      implicit: false,
      origin:
        "decided by make build (line 10); Go's default: gcc present in golang:1.22-bookworm (Debian-based golang image)",
    });
    expect(lantern.declared.GOARCH).toEqual({
      value: 'arm64',
      assumed: null,
      implicit: false,
      origin: 'inline on RUN line 10',
    });
    expect(lantern.notes[0]).toContain('built by `make build` (line 10)');
    expect(m.finalBaseKind).toBe('distroless-static');
    expect(m.user?.raw).toBe('65532:65532');
  });

  it('go run build.go decides too; a value computed by $(...) is null', () => {
    const m = read(
      [
        'FROM golang:1.22 AS b',
        'WORKDIR /src',
        'RUN GOARCH=$(cat /goarch) go run build.go',
        'FROM scratch',
        'COPY --from=b /src/x /x',
      ].join('\n'),
    );
    expect(artifact(m, '/x').declared.GOARCH).toEqual({
      value: null,
      assumed: null,
      implicit: false,
      origin: 'computed at build time (inline on RUN line 3)',
    });
    expect(artifact(m, '/x').declared.CGO_ENABLED.origin).toBe(
      'decided by go run build.go (line 3)',
    );
  });
});

describe('builds by scripts that are given the target platform', () => {
  it('takes GOOS/GOARCH from the platform passed on the command line, CGO stays undecided', () => {
    const m = read(
      [
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS b',
        'ARG TARGETOS TARGETARCH',
        'RUN go run ./hack/build-release.go --platform $TARGETOS/$TARGETARCH --out /out',
        'FROM scratch',
        'COPY --from=b /out/tool /tool',
      ].join('\n'),
      { platform: 'linux/arm64' },
    );
    expect(artifact(m, '/tool').declared).toEqual({
      GOOS: {
        value: 'linux',
        assumed: null,
        implicit: false,
        origin: 'the target platform passed to go run ./hack/build-release.go (line 3)',
      },
      GOARCH: {
        value: 'arm64',
        assumed: null,
        implicit: false,
        origin: 'the target platform passed to go run ./hack/build-release.go (line 3)',
      },
      CGO_ENABLED: {
        value: null,
        assumed: '1',
        implicit: false,
        origin:
          "decided by go run ./hack/build-release.go (line 3); Go's default: gcc present in golang:1.22 (Debian-based golang image)",
      },
    });
  });
});

describe("Go's CGO_ENABLED default (cmd/cgo: on with a C compiler, off when cross-compiling)", () => {
  const cgo = (text: string, options: Partial<ReadOptions> = {}) =>
    artifact(read(text + '\nRUN go build -o /x ./cmd/x', options), '/x').declared.CGO_ENABLED;

  it('Debian-based golang images have gcc', () => {
    expect(cgo('FROM golang:1.22')).toEqual({
      value: '1',
      assumed: null,
      implicit: true,
      origin: 'Go default: gcc present in golang:1.22 (Debian-based golang image)',
    });
  });
  it('golang:*-alpine has no compiler until apk add gcc / build-base / musl-dev', () => {
    expect(cgo('FROM golang:1.22-alpine').value).toBe('0');
    expect(cgo('FROM golang:1.22-alpine\nRUN apk add --no-cache build-base git')).toEqual({
      value: '1',
      assumed: null,
      implicit: true,
      origin: 'Go default: apk installs build-base (line 2)',
    });
  });
  it('apt-get install build-essential adds one to a plain Debian image', () => {
    expect(cgo('FROM debian:12').value).toBe('0');
    expect(
      cgo(
        'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential golang',
      ).value,
    ).toBe('1');
  });
  it('cross-compiling turns it off, unless CC is set', () => {
    expect(cgo('FROM golang:1.22\nENV GOARCH=arm64').value).toBe('0');
    expect(cgo('FROM golang:1.22\nENV GOARCH=arm64 CC=aarch64-linux-gnu-gcc').value).toBe('1');
  });
});

describe('provenance and final base', () => {
  it('gives every placed file its chain and the lines to blame', () => {
    const m = read(
      [
        'FROM golang:1.22 AS build', // 1
        'RUN CGO_ENABLED=0 go build -o /out/hub ./cmd/hub', // 2
        'FROM debian:12 AS caps', // 3
        'COPY --from=build /out/hub /hub', // 4
        'RUN setcap cap_net_bind_service=+ep /hub', // 5
        'FROM gcr.io/distroless/static:nonroot', // 6
        'COPY --from=caps /hub /usr/bin/hub', // 7
      ].join('\n'),
    );
    const hub = artifact(m, '/usr/bin/hub');
    expect(hub.chain).toEqual([
      { stage: 'build', instruction: 'RUN', range: { startLine: 2, endLine: 2 }, path: '/out/hub' },
      { stage: 'caps', instruction: 'COPY', range: { startLine: 4, endLine: 4 }, path: '/hub' },
      {
        stage: '2',
        instruction: 'COPY',
        range: { startLine: 7, endLine: 7 },
        path: '/usr/bin/hub',
      },
    ]);
    expect(hub.blame).toEqual({
      placed: { startLine: 7, endLine: 7 },
      built: { startLine: 2, endLine: 2 },
      from: { startLine: 6, endLine: 6 },
    });
  });

  it('tells prebuilt, downloaded and image files apart', () => {
    const m = loadDockerfile('__tests__/dockerfile/fixtures/prebuilt.Dockerfile', {
      platform: 'linux/arm64',
    });
    expect(m.artifacts.map((a) => [a.path, a.source, a.stage])).toEqual([
      ['/etc/ssl/certs/ca-certificates.crt', 'image', 'alpine:3.20'],
      ['/linux/arm64/harbor-scan'.replace('/linux/arm64', ''), 'prebuilt', 'context'],
      [
        '/bin/grpc_health_probe',
        'downloaded',
        'https://example.com/releases/grpc-probe-linux-amd64',
      ],
    ]);
    expect(artifact(m, '/harbor-scan').declared.GOOS).toEqual({
      value: null,
      assumed: null,
      implicit: false,
      origin: 'copied from the build context (linux/arm64/harbor-scan)',
    });
  });

  it('classifies the final base through FROM <stage>', () => {
    const kinds = [
      'scratch',
      'alpine:3.20',
      'gcr.io/distroless/static-debian12',
      'gcr.io/distroless/base-debian12',
      'ubuntu:24.04',
      'debian:bookworm-slim',
      'busybox:1.36',
      'redhat/ubi9-minimal',
      'example.com/custom:1',
    ].map((base) => read(`FROM ${base} AS root\nFROM root`).finalBaseKind);
    expect(kinds).toEqual([
      'scratch',
      'alpine',
      'distroless-static',
      'distroless-base',
      'ubuntu',
      'debian',
      'busybox',
      'glibc',
      'unknown',
    ]);
  });

  it('keeps ENTRYPOINT, CMD and USER of the final stage with their lines; ENTRYPOINT resets an inherited CMD', () => {
    const m = read(
      [
        'FROM alpine AS base',
        'CMD ["serve"]',
        'USER 1000',
        'FROM base',
        'ENTRYPOINT /bin/app --flag',
      ].join('\n'),
    );
    expect(m.entrypoint).toEqual({
      value: ['/bin/sh', '-c', '/bin/app --flag'],
      raw: '/bin/app --flag',
      form: 'shell',
      range: { startLine: 5, endLine: 5 },
    });
    expect(m.cmd).toBeNull();
    expect(m.user?.range).toEqual({ startLine: 3, endLine: 3 });
  });
});

describe('reference "Environment replacement" inside the Dockerfile (ARG, FROM)', () => {
  it('applies #, / and :+ in global ARGs, stage ARGs and FROM', () => {
    const m = read(
      [
        'ARG PLATFORM_DASHED=${TARGETPLATFORM//\\//-}',
        'ARG DEBUG',
        'FROM example.com/tools:${PLATFORM_DASHED} AS tools',
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        'ARG TARGETARCH TARGETVARIANT',
        'ARG GOARM=${TARGETVARIANT#v}',
        'ARG DART_ARCH=${TARGETARCH/amd64/x64}',
        'RUN GOARCH=$TARGETARCH GOARM=$GOARM go build -o /out/${DART_ARCH}-$GOARM ./cmd/x',
        'FROM build AS image',
        'FROM image${DEBUG:+-debug}',
        'FROM ${REGISTRY:-docker.io}/library/alpine:3.20',
        'COPY --from=build /out/ /',
      ].join('\n'),
      { platform: 'linux/arm/v7' },
    );
    expect(m.stages.map((s) => s.from)).toEqual([
      'example.com/tools:linux-arm-v7',
      'golang:1.22',
      'build',
      'image',
      'docker.io/library/alpine:3.20',
    ]);
    expect(m.stages[3]!.fromStage).toBe(2);
    expect(triple(m, '/arm-7')).toBe('linux/arm cgo=0');
  });
});

describe('reference "Here-Documents"', () => {
  it('runs RUN heredoc bodies and records COPY heredoc files', () => {
    const m = read(
      [
        'FROM golang:1.22-alpine AS b',
        'RUN <<EOT',
        '  set -e',
        '  GOOS=linux go build -o /out/app ./cmd/app',
        'EOT',
        'FROM alpine',
        'COPY --from=b /out/app /usr/bin/app',
        'COPY --chmod=755 <<"EOF" /entrypoint.sh',
        '#!/bin/sh',
        'exec /usr/bin/app "$@"',
        'EOF',
        'ENTRYPOINT ["/entrypoint.sh"]',
      ].join('\n'),
    );
    expect(artifact(m, '/usr/bin/app').blame.built).toEqual({ startLine: 2, endLine: 5 });
    expect(artifact(m, '/entrypoint.sh')).toMatchObject({
      source: 'unknown',
      chmod: '755',
      blame: { placed: { startLine: 8, endLine: 11 } },
    });
    expect(m.entrypoint?.range).toEqual({ startLine: 12, endLine: 12 });
  });
});

describe('reference "Parser directives" ("escape") and "Format"', () => {
  it('reads a backtick escape and Windows paths', () => {
    const m = loadDockerfile('__tests__/dockerfile/fixtures/windows.Dockerfile', {
      platform: 'windows/amd64',
    });
    const exe = artifact(m, 'C:/Program Files/Otter/otter.exe');
    expect(exe.blame.built).toEqual({ startLine: 8, endLine: 9 });
    expect(exe.declared.GOOS.value).toBe('windows');
  });

  it('joins continuation lines and skips comment lines inside them', () => {
    const m = read(
      [
        'FROM golang:1.22',
        'RUN CGO_ENABLED=0 \\',
        '# a comment inside',
        '    go build \\',
        '',
        '      -o /x ./cmd/x',
      ].join('\n'),
    );
    expect(artifact(m, '/x').blame.built).toEqual({ startLine: 2, endLine: 6 });
  });
});

describe('bad input: one InputError naming file:line', () => {
  it('an unknown instruction', () => {
    expect(inputError(() => read('FROM alpine\nCOPPY a b\n', { path: 'svc/Dockerfile' }))).toBe(
      'svc/Dockerfile:2: unknown instruction: COPPY',
    );
  });
  it('a syntax error in FROM', () => {
    expect(inputError(() => read('FROM alpine AS\n'))).toBe(
      "Dockerfile:1: FROM requires an image and an optional 'AS name', got 'alpine AS'",
    );
  });
  it('an instruction before the first FROM', () => {
    expect(inputError(() => read('# hi\nRUN true\nFROM alpine\n'))).toBe(
      'Dockerfile:2: RUN before the first FROM (only ARG may come before it)',
    );
  });
  it('a bad substitution', () => {
    expect(inputError(() => read('FROM alpine\nENV A=${B\n'))).toBe(
      "Dockerfile:2: missing '}' in substitution",
    );
  });
  it('a reference to a stage that does not exist', () => {
    expect(inputError(() => read('FROM alpine\nCOPY --from=3 /a /a\n'))).toBe(
      'Dockerfile:2: --from=3 refers to the current or a later stage (stages are numbered from 0)',
    );
    expect(inputError(() => read('FROM alpine AS a\n', { target: 'nope' }))).toBe(
      "Dockerfile: target stage 'nope' could not be found (stages: a)",
    );
  });
  it('a stage that depends on itself', () => {
    expect(inputError(() => read('FROM a AS a\n'))).toBe(
      "Dockerfile:1: stage 'a' refers to itself (circular dependency)",
    );
    expect(
      inputError(() =>
        read('FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nCOPY --from=a /y /y\n'),
      ),
    ).toBe('Dockerfile:3: circular dependency between stages: b -> a -> b');
  });
  it('variables that refer to each other expand once, as BuildKit does, without looping', () => {
    const m = read('ARG A=${B}x\nARG B=${A}y\nFROM alpine:${B}\n');
    expect(m.finalStage.from).toBe('alpine:xy');
  });
  it('a missing file', () => {
    expect(inputError(() => loadDockerfile('/nonexistent/Dockerfile'))).toBe(
      '/nonexistent/Dockerfile: cannot read the Dockerfile (ENOENT)',
    );
  });
  it('an unterminated here-document', () => {
    expect(inputError(() => read('FROM alpine\nRUN <<EOT\necho hi\n'))).toBe(
      "Dockerfile:2: here-document 'EOT' is not terminated",
    );
  });
});

describe('scale', () => {
  it('models a 10,000-line Dockerfile', () => {
    const lines = ['FROM golang:1.22 AS build', 'ENV CGO_ENABLED=0'];
    for (let i = 0; i < 4998; i++) lines.push(`RUN go build -o /out/tool${i} ./cmd/tool${i}`);
    lines.push('FROM scratch');
    for (let i = 0; i < 4998; i++) lines.push(`COPY --from=build /out/tool${i} /bin/tool${i}`);
    lines.push('ENTRYPOINT ["/bin/tool0"]');
    expect(lines.length).toBe(10000);
    const started = process.hrtime.bigint();
    const m = read(lines.join('\n'));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stderr.write(`10,000-line Dockerfile modelled in ${ms.toFixed(0)} ms\n`);
    expect(m.artifacts).toHaveLength(4998);
    expect(artifact(m, '/bin/tool4997')).toMatchObject({
      source: 'built',
      blame: {
        placed: { startLine: 9999, endLine: 9999 },
        built: { startLine: 5000, endLine: 5000 },
        from: { startLine: 5001, endLine: 5001 },
      },
    });
    expect(triple(m, '/bin/tool4997')).toBe('linux/amd64 cgo=0');
    expect(m.entrypoint?.range).toEqual({ startLine: 10000, endLine: 10000 });
  });
});

describe('fixtures are our own', () => {
  it('none of them is a corpus file', () => {
    for (const name of ['xx-cross', 'make-driven', 'alpine-cgo', 'prebuilt', 'windows']) {
      expect(readFileSync(`__tests__/dockerfile/fixtures/${name}.Dockerfile`, 'utf8')).not.toMatch(
        /github\.com\/(docker|moby)\//,
      );
    }
  });
});

describe('artifactFor: the artifact that placed a file of the image', () => {
  it('finds exact paths, globs and directory copies, and nothing for base image files', () => {
    const m = loadDockerfile('__tests__/dockerfile/fixtures/xx-cross.Dockerfile', {
      target: 'release',
    });
    expect(artifactFor(m, '/pinwheel-linux-amd64')?.path).toBe('/pinwheel-linux-amd64*');
    const c = loadDockerfile('__tests__/dockerfile/fixtures/alpine-cgo.Dockerfile');
    expect(artifactFor(c, '/usr/bin/ledger')?.source).toBe('built');
    expect(artifactFor(c, '/etc/ledger/app.yaml')?.path).toBe('/etc/ledger/');
    expect(artifactFor(c, '/bin/busybox')).toBeNull();
  });
});
