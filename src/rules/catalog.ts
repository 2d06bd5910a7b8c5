/**
 * What every rule says about itself: id, name, default level, descriptions, the error a user sees
 * when the container starts, and the help page (why, the fix as a Dockerfile diff, when it is safe
 * to ignore). The rule checks (src/rules/<family>.ts) import their metadata from here; SARIF
 * `rules[]`, the PR comment and `docs/rules/EGxxx.md` are all built from this one list.
 *
 * In `runtimeError`, `/app` stands for the file the finding is about; `runtimeErrorFor` puts the
 * real path in its place. The error strings are the ones observed or quoted in
 * shared/notes/elf-go-image-formats.md section 7 (runc, glibc ld.so, musl, Go runtime).
 */
import type { Finding, RuleMeta } from '../findings.js';

/** A rule's metadata as written here: the help page is assembled from its parts. */
interface RuleSpec extends Omit<RuleMeta, 'helpMarkdown'> {
  why: string;
  fix: string;
  safeToIgnore: string;
}

/** The usual fix for a glibc-linked Go binary in a base without glibc: build it static. */
const CGO_DISABLED_DIFF = [
  '```diff',
  ' FROM golang:1.22 AS build',
  ' WORKDIR /src',
  ' COPY . .',
  '-RUN go build -o /out/app .',
  '+RUN CGO_ENABLED=0 go build -o /out/app .',
  ' ',
  ' FROM scratch',
  ' COPY --from=build /out/app /app',
  '```',
].join('\n');

/** The path `runtimeError` uses for the file a finding is about. */
export const RUNTIME_ERROR_PATH_PLACEHOLDER = '/app';

function helpMarkdown(spec: RuleSpec): string {
  return [
    `## What fails at run time`,
    '',
    spec.runtimeError === ''
      ? 'Nothing fails when the container starts.'
      : 'At run time the program fails with:\n\n```text\n' + spec.runtimeError + '\n```',
    '',
    `## Why`,
    '',
    spec.why,
    '',
    `## Fix`,
    '',
    spec.fix,
    '',
    `## When it is safe to ignore`,
    '',
    spec.safeToIgnore,
  ].join('\n');
}

const SPECS: RuleSpec[] = [
  {
    id: 'EG101',
    name: 'interpreter-missing',
    defaultLevel: 'error',
    shortDescription: 'ELF interpreter missing from the image',
    fullDescription:
      "A dynamically linked executable names an ELF interpreter (PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2) that does not resolve to a file in the image, following the image's own symlinks. The kernel cannot start the program.",
    runtimeError: 'exec /app: no such file or directory',
    why: [
      'A dynamic executable starts through the loader named in its `PT_INTERP` header. When that file',
      'is not in the image, `execve` fails with `ENOENT`, which runc reports as "no such file or',
      'directory" although the executable itself is there. Older runc versions print',
      '`standard_init_linux.go:178: exec user process caused "no such file or directory"`, BusyBox',
      '`sh` prints `/bin/sh: ./app: not found` and bash `cannot execute: required file not found`.',
      'Typical causes: a glibc-linked binary (Go with `CGO_ENABLED=1`, the default when gcc is',
      'present) copied into `scratch`, `distroless/static` or Alpine (which has',
      "musl's `/lib/ld-musl-x86_64.so.1`), or Go's `-buildmode=pie`, which needs a loader even with",
      '`CGO_ENABLED=0`.',
    ].join('\n'),
    fix: [
      'Build a static binary, or use a base image that has the loader:',
      '',
      CGO_DISABLED_DIFF,
      '',
      'If the program needs cgo, use a glibc base of the same or a newer glibc than the build stage,',
      'e.g. `FROM gcr.io/distroless/base-debian12` or `FROM debian:bookworm-slim`.',
    ].join('\n'),
    safeToIgnore:
      'Only when the file is never executed in this image (a binary shipped for another image to copy, or a tool run only in a debug variant). Prefer an `ignored-paths` entry for it over a suppression.',
    tags: ['reliability', 'loader', 'container'],
    precision: 'very-high',
  },
  {
    id: 'EG102',
    name: 'libc-flavor-mismatch',
    defaultLevel: 'error',
    shortDescription: 'glibc binary runs on the musl loader (or the reverse)',
    fullDescription:
      "An ELF linked against glibc resolves its interpreter to musl's loader (Alpine with libc6-compat or gcompat), or a musl-linked ELF runs under glibc's loader. Error when a symbol it needs is missing from the other C library; warning when every symbol resolves, because the two libraries still differ in ABI and behaviour.",
    runtimeError: 'Error relocating /app: __fprintf_chk: symbol not found',
    why: [
      "musl answers for `libc.so.6` and its loader path is often symlinked to glibc's name",
      '(`libc6-compat`, `gcompat`), so the program starts, and then the loader finds that glibc-only',
      'symbols (`__fprintf_chk`, `gnu_get_libc_version`, `__libc_start_main@GLIBC_2.34`, ...) are',
      'not defined: musl prints `Error relocating /app: <symbol>: symbol not found` and the process',
      'exits with status 127. When every symbol happens to resolve, the program runs on a C library',
      'it was not built for: structure layouts and behaviours differ (`stat`, locale, DNS, threads)',
      'and crashes (SIGSEGV, exit 139) can follow at any point.',
    ].join('\n'),
    fix: [
      'Build the binary in a stage with the same C library as the final stage:',
      '',
      '```diff',
      '-FROM golang:1.22 AS build',
      '+FROM golang:1.22-alpine AS build',
      '+RUN apk add --no-cache build-base',
      ' WORKDIR /src',
      ' COPY . .',
      ' RUN go build -o /out/app .',
      ' ',
      ' FROM alpine:3.20',
      '-RUN apk add --no-cache libc6-compat',
      ' COPY --from=build /out/app /app',
      '```',
      '',
      'or, for Go without C code, `CGO_ENABLED=0` so that the binary needs no C library at all.',
    ].join('\n'),
    safeToIgnore:
      'At warning level, when the binary has been tested on this exact base and only uses plain POSIX calls. Never at error level: the missing symbol stops the program.',
    tags: ['reliability', 'loader', 'libc', 'container'],
    precision: 'high',
  },
  {
    id: 'EG103',
    name: 'library-missing',
    defaultLevel: 'error',
    shortDescription: 'Shared library not found by the loader',
    fullDescription:
      "A library in DT_NEEDED is not found by the loader's search order in the image: DT_RPATH, DT_RUNPATH ($ORIGIN expanded), /etc/ld.so.cache and the default directories for glibc; DT_RUNPATH and /etc/ld-musl-<arch>.path for musl.",
    runtimeError:
      '/app: error while loading shared libraries: libfoo.so.1: cannot open shared object file: No such file or directory',
    why: [
      'The loader looks for each needed library in a fixed order and gives up at the first one it',
      'cannot find, before `main` runs, so the container logs nothing else. musl prints',
      '`Error loading shared library libfoo.so.1: No such file or directory (needed by /app)`.',
      "glibc's `ld.so` never reads `/etc/ld.so.conf`: a directory added there without running",
      '`ldconfig` in the image is invisible to it, which is why a library can be in the image and',
      'still not found.',
    ].join('\n'),
    fix: [
      'Install the runtime package that provides the library in the final stage (or copy it with',
      'the binary), or link the library statically:',
      '',
      '```diff',
      ' FROM debian:bookworm-slim',
      '+RUN apt-get update && apt-get install -y --no-install-recommends libfoo1 \\',
      '+ && rm -rf /var/lib/apt/lists/*',
      ' COPY --from=build /out/app /app',
      '```',
      '',
      'For a library copied to a directory of its own, run `ldconfig` after copying it or set a',
      '`RUNPATH` (`-Wl,-rpath,$ORIGIN/../lib`).',
    ].join('\n'),
    safeToIgnore:
      'When the library is supplied at run time by a volume mount or `LD_LIBRARY_PATH` set by the deployment (e.g. GPU driver libraries injected by the NVIDIA container toolkit). Suppress with that reason.',
    tags: ['reliability', 'loader', 'container'],
    precision: 'very-high',
  },
  {
    id: 'EG104',
    name: 'symbol-version-missing',
    defaultLevel: 'error',
    shortDescription: 'Needed symbol version (e.g. GLIBC_2.34) not provided',
    fullDescription:
      'The ELF needs a symbol version (from its version-needs table, e.g. GLIBC_2.34 from libc.so.6) that the library the loader finds in the image does not define: the binary was built against a newer library than the image has.',
    runtimeError:
      "/app: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /app)",
    why: [
      'glibc versions its symbols, and a binary linked on a newer glibc records the versions it',
      'used. Anything linked on glibc 2.34 or later needs `__libc_start_main@GLIBC_2.34`, so a',
      'binary built in `golang:1.22` (Debian bookworm, glibc 2.36) cannot start on Debian bullseye',
      '(glibc 2.31), Ubuntu 20.04, UBI 8 or `distroless/base-debian11`. The loader checks versions',
      'before `main`, and the process exits with status 1.',
    ].join('\n'),
    fix: [
      'Build on the same distribution release as the final stage, or move the final stage forward:',
      '',
      '```diff',
      ' FROM golang:1.22-bookworm AS build',
      ' RUN go build -o /out/app .',
      ' ',
      '-FROM debian:bullseye-slim',
      '+FROM debian:bookworm-slim',
      ' COPY --from=build /out/app /app',
      '```',
      '',
      'For Go without C code, `CGO_ENABLED=0` removes the dependency on glibc entirely.',
    ].join('\n'),
    safeToIgnore: 'Never for a file that runs. Only when the file is not executed in this image.',
    tags: ['reliability', 'loader', 'libc', 'container'],
    precision: 'very-high',
  },
  {
    id: 'EG105',
    name: 'symbol-unresolved',
    defaultLevel: 'error',
    shortDescription: 'Undefined dynamic symbol defined by no loaded library',
    fullDescription:
      'An undefined, non-weak dynamic symbol of the ELF is defined by none of the libraries the loader would load for it in this image (as `ldd -r` reports). The program fails when the symbol is bound: at start with BIND_NOW, otherwise on first call.',
    runtimeError: '/app: symbol lookup error: /app: undefined symbol: foo_init',
    why: [
      'The library with the right name was found, but it is a different build than the one the',
      'binary was linked against (another major version under the same soname, a stripped-down',
      'variant, or a glibc `ld.so` and `libc.so.6` from different releases, which gives',
      '`undefined symbol: __tunable_is_initialized, version GLIBC_PRIVATE`). musl reports',
      '`Error relocating /app: foo_init: symbol not found`. With lazy binding the failure waits for',
      'the first call, which may be deep in a request path.',
    ].join('\n'),
    fix: [
      'Ship the library build the binary was linked with: install the same package version in the',
      'final stage, or copy the library from the build stage together with the binary:',
      '',
      '```diff',
      ' FROM debian:bookworm-slim',
      ' COPY --from=build /out/app /app',
      '+COPY --from=build /usr/lib/x86_64-linux-gnu/libfoo.so.1 /usr/lib/x86_64-linux-gnu/',
      '```',
      '',
      "Never overwrite the image's `libc.so.6` or `ld-linux` with files from another release.",
    ].join('\n'),
    safeToIgnore:
      'When the symbol is only reached by code the container never runs and the binary is not linked with BIND_NOW. Record the reason in the suppression.',
    tags: ['reliability', 'loader', 'container'],
    precision: 'high',
  },
  {
    id: 'EG106',
    name: 'architecture-mismatch',
    defaultLevel: 'error',
    shortDescription: 'ELF architecture differs from the image platform',
    fullDescription:
      "The ELF's machine (e_machine), class (32/64-bit) or byte order differs from the architecture in the image config, so the kernel of a host of that platform cannot run it.",
    runtimeError: 'exec /app: exec format error',
    why: [
      'An image labelled `linux/arm64` that contains an x86-64 executable (or the reverse) fails',
      'with `ENOEXEC` on the hosts it is pulled on. It often passes in CI: hosts with `binfmt_misc`',
      'and QEMU run foreign executables through emulation, so the mismatch only shows on the real',
      'nodes. Typical causes: `GOARCH` not set from `TARGETARCH` in a cross-compiling stage, a',
      '`TARGETARCH` ARG declared outside the stage that uses it, a default `ARG TARGETARCH=amd64`,',
      'or a prebuilt binary downloaded for the wrong architecture.',
    ].join('\n'),
    fix: [
      'Build for the target platform explicitly:',
      '',
      '```diff',
      ' FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      '+ARG TARGETOS TARGETARCH',
      ' WORKDIR /src',
      ' COPY . .',
      '-RUN CGO_ENABLED=0 go build -o /out/app .',
      '+RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
      '```',
    ].join('\n'),
    safeToIgnore:
      'When the file is deliberately foreign (firmware, a cross tool for another machine, a binary run under an emulator the image ships) and never executed directly.',
    tags: ['reliability', 'architecture', 'container'],
    precision: 'very-high',
  },
  {
    id: 'EG107',
    name: 'kernel-too-old',
    defaultLevel: 'warning',
    shortDescription: 'ELF needs a newer kernel than the configured minimum',
    fullDescription:
      "The ELF's NT_GNU_ABI_TAG note declares a minimum Linux kernel version newer than the configured minimum kernel of the hosts the image runs on.",
    runtimeError: 'FATAL: kernel too old',
    why: [
      'glibc refuses to start on a kernel older than the one it was configured for and records that',
      'version in the `.note.ABI-tag` of the binaries it links statically and of its own libraries.',
      'On an older host (old LTS nodes, some managed runtimes) the process prints `FATAL: kernel too',
      'old` and is killed by SIGSEGV, exit status 139.',
    ].join('\n'),
    fix: [
      'Build against a C library that supports the oldest kernel you deploy to, or raise the',
      'configured minimum when your hosts are newer:',
      '',
      '```diff',
      '-FROM debian:trixie-slim AS build',
      '+FROM debian:bookworm-slim AS build',
      '```',
    ].join('\n'),
    safeToIgnore:
      'When every host that runs the image has a kernel at least as new as the one the note asks for.',
    tags: ['reliability', 'kernel', 'container'],
    precision: 'high',
  },
  {
    id: 'EG201',
    name: 'declared-triple-mismatch',
    defaultLevel: 'error',
    shortDescription: 'Go build info differs from what the Dockerfile declares',
    fullDescription:
      'The Go build info of a binary (GOOS, GOARCH, CGO_ENABLED as `go version -m` shows them) differs from what the Dockerfile declares for the file at the line that builds or copies it: the image is not what review approved.',
    runtimeError: '',
    why: [
      'Reviewers read the Dockerfile; the image is what runs. When the binary says',
      '`CGO_ENABLED=1` while the Dockerfile sets `CGO_ENABLED=0`, the file did not come from that',
      'build: a stale build output copied from the context, a Makefile or script that overrides the',
      'variable, or an `ENV` in another stage. The consequences are those of EG101, EG104 and EG106',
      'on the next base image change.',
    ].join('\n'),
    fix: [
      'Make the build that the Dockerfile shows produce the file, with the variables on the build',
      'line, and copy the output of that stage instead of a prebuilt file:',
      '',
      '```diff',
      ' FROM golang:1.22 AS build',
      ' COPY . .',
      '-RUN make build',
      '+RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o /out/app ./cmd/app',
      ' ',
      ' FROM scratch',
      '-COPY bin/app /app',
      '+COPY --from=build /out/app /app',
      '```',
    ].join('\n'),
    safeToIgnore:
      'When the difference is intended and documented (e.g. a script deliberately builds with cgo), and the binary passes the loader rules. Suppress with that reason.',
    tags: ['correctness', 'go', 'dockerfile'],
    precision: 'high',
  },
  {
    id: 'EG202',
    name: 'cgo-dynamic-on-static-base',
    defaultLevel: 'error',
    shortDescription: 'cgo-enabled dynamic Go binary on a base without a C library',
    fullDescription:
      'A Go binary built with CGO_ENABLED=1 and linked dynamically lands in a final stage FROM scratch or a distroless static image, which has no loader and no C library.',
    runtimeError: 'exec /app: no such file or directory',
    why: [
      'Go enables cgo by default when a C compiler is present, and the Debian-based `golang`',
      'images have gcc. A program that imports `net` or `os/user` then links against glibc and',
      'needs `/lib64/ld-linux-x86-64.so.2`, which `scratch` and `distroless/static` do not have. The',
      'build succeeds, the image pushes, and the container dies on start with an empty log, often',
      'first noticed as a crash-looping initContainer.',
    ].join('\n'),
    fix: [
      'Disable cgo for the build (Go then uses its pure-Go DNS resolver and user lookup):',
      '',
      CGO_DISABLED_DIFF,
      '',
      'If the program needs cgo, use `gcr.io/distroless/base-debian12` (glibc) as the final stage.',
    ].join('\n'),
    safeToIgnore: 'Never for a binary that runs in this image.',
    tags: ['reliability', 'go', 'cgo', 'container'],
    precision: 'very-high',
  },
  {
    id: 'EG203',
    name: 'static-glibc-nss',
    defaultLevel: 'warning',
    shortDescription: 'Statically linked glibc binary uses NSS',
    fullDescription:
      'A statically linked glibc binary calls NSS functions (getaddrinfo, getpwuid_r, getpwnam_r, ...), which load shared NSS modules at run time even in a static binary.',
    runtimeError:
      'fatal error: unexpected signal during runtime execution\n[signal SIGSEGV: segmentation violation]',
    why: [
      'glibc implements name and user lookups by `dlopen`ing `libnss_*.so.2` modules of the same',
      "glibc release as the one linked in. The linker warns (`Using 'getaddrinfo' in statically",
      'linked applications requires at runtime the shared libraries from the glibc version used for',
      'linking`), but the build succeeds. In `scratch` the modules are absent and lookups fail; with',
      'modules of another release the process can crash inside `getaddrinfo` (Go: a SIGSEGV in',
      '`C.getaddrinfo`, exit 139; glibc bug 19341). This is what `CGO_ENABLED=1` with',
      '`-ldflags \'-extldflags "-static"\'` produces.',
    ].join('\n'),
    fix: [
      "For Go, use the pure-Go resolver and user lookup instead of glibc's:",
      '',
      '```diff',
      '-RUN go build -ldflags \'-linkmode external -extldflags "-static"\' -o /out/app .',
      '+RUN CGO_ENABLED=0 go build -o /out/app .',
      '```',
      '',
      'or, when cgo is needed for other code, build with `-tags netgo,osusergo` so that lookups do',
      'not go through NSS.',
    ].join('\n'),
    safeToIgnore:
      'When the NSS functions are linked but never called in this deployment (no host name or user lookups), or the image ships the NSS modules of the exact glibc release used for linking.',
    tags: ['reliability', 'libc', 'static', 'container'],
    precision: 'medium',
  },
  {
    id: 'EG204',
    name: 'ineffective-static-flags',
    defaultLevel: 'note',
    shortDescription: 'Static linking flags that have no effect',
    fullDescription:
      '`-extldflags "-static"` or `-linkmode external` is passed to a Go build with CGO_ENABLED=0, where the external linker is not used and the flags are silently ignored.',
    runtimeError: '',
    why: [
      'With `CGO_ENABLED=0` Go links internally and the binary is static anyway; the flags only',
      'matter with cgo. Their presence suggests that someone believes the build is static because',
      'of them: the day `CGO_ENABLED=0` is removed, the binary becomes a static glibc binary with',
      'NSS (EG203) or a dynamic one that fails FROM scratch (EG202).',
    ].join('\n'),
    fix: [
      'Remove the flags so that the build says what it does:',
      '',
      '```diff',
      '-RUN CGO_ENABLED=0 go build -ldflags \'-s -w -extldflags "-static"\' -o /out/app .',
      "+RUN CGO_ENABLED=0 go build -ldflags '-s -w' -o /out/app .",
      '```',
    ].join('\n'),
    safeToIgnore: 'Always: the image runs. The note is about a misleading build line.',
    tags: ['maintainability', 'go', 'dockerfile'],
    precision: 'high',
  },
  {
    id: 'EG205',
    name: 'platform-mismatch',
    defaultLevel: 'error',
    shortDescription: 'Image platform differs from the declared GOOS/GOARCH or --platform',
    fullDescription:
      "The image config's os/architecture differs from what the Dockerfile declares for a binary: its GOOS/GOARCH, the stage's FROM --platform, or the requested build platform.",
    runtimeError: 'exec /app: exec format error',
    why: [
      'The image is labelled for one platform and carries binaries built for another: a',
      '`GOARCH=amd64` hard-coded in a multi-platform build, or a `FROM --platform=linux/amd64`',
      'final stage in an arm64 build. Hosts of the labelled platform pull it and fail with',
      '`exec format error` (or run it slowly under emulation where QEMU is registered).',
    ].join('\n'),
    fix: [
      'Derive the Go target from the build platform instead of hard-coding it:',
      '',
      '```diff',
      ' FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      '+ARG TARGETOS TARGETARCH',
      '-RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o /out/app .',
      '+RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
      '```',
    ].join('\n'),
    safeToIgnore: 'Never for an image pushed under that platform.',
    tags: ['reliability', 'architecture', 'dockerfile'],
    precision: 'high',
  },
  {
    id: 'EG301',
    name: 'entrypoint-missing',
    defaultLevel: 'error',
    shortDescription: 'ENTRYPOINT/CMD executable not found',
    fullDescription:
      "The executable of the image's ENTRYPOINT (or CMD when there is no ENTRYPOINT) does not exist in the image; a bare name is looked up in the PATH of the image's Env, or Docker's default PATH when the image sets none.",
    runtimeError: 'exec: "/app": executable file not found in $PATH',
    why: [
      'The runtime resolves the first word of the command before starting the process. A typo, a',
      '`go build -o` output that lands elsewhere than the `COPY` expects, a `WORKDIR`-relative',
      'name, or a shell-form `CMD` on an image without `/bin/sh` makes the container fail to start',
      '(`OCI runtime create failed: ... exec: "app": executable file not found in $PATH`; for an',
      'absolute path, `stat /app: no such file or directory`).',
    ].join('\n'),
    fix: [
      'Point the entrypoint at the file the image contains, in exec form:',
      '',
      '```diff',
      ' COPY --from=build /out/app /usr/local/bin/app',
      '-ENTRYPOINT ["/app"]',
      '+ENTRYPOINT ["/usr/local/bin/app"]',
      '```',
    ].join('\n'),
    safeToIgnore:
      'When every deployment overrides the entrypoint and command (a base image meant to be extended).',
    tags: ['reliability', 'entrypoint', 'container'],
    precision: 'high',
  },
  {
    id: 'EG302',
    name: 'entrypoint-not-executable',
    defaultLevel: 'error',
    shortDescription: 'Entrypoint not executable by the image USER',
    fullDescription:
      "The ENTRYPOINT/CMD executable exists but the image's USER (uid/gid, resolved through /etc/passwd and /etc/group) has no execute permission on it by its mode bits and owner.",
    runtimeError: 'exec /app: permission denied',
    why: [
      'Files copied from the build context keep the mode they had in git or on the build host, and',
      '`COPY --chown` changes owners, not modes. A script committed without the executable bit, or',
      'a `0700` file owned by root in an image that switches to `USER 65532`, cannot be executed',
      'and the container fails on start.',
    ].join('\n'),
    fix: [
      'Set the mode where the file is placed:',
      '',
      '```diff',
      '-COPY entrypoint.sh /entrypoint.sh',
      '+COPY --chmod=0755 entrypoint.sh /entrypoint.sh',
      ' USER 65532',
      ' ENTRYPOINT ["/entrypoint.sh"]',
      '```',
      '',
      '(`COPY --chmod` needs BuildKit; with the legacy builder add `RUN chmod 0755 /entrypoint.sh`',
      'before `USER`.)',
    ].join('\n'),
    safeToIgnore: 'When every deployment runs the container as a user that can execute the file.',
    tags: ['reliability', 'entrypoint', 'permissions', 'container'],
    precision: 'high',
  },
  {
    id: 'EG303',
    name: 'shebang-interpreter-missing',
    defaultLevel: 'error',
    shortDescription: "Script's #! interpreter missing from the image",
    fullDescription:
      "A script in the image (the entrypoint, or any executable script) starts with `#!` naming an interpreter that does not exist in the image, following the image's symlinks.",
    runtimeError: 'exec /app: no such file or directory',
    why: [
      'The kernel runs a script through the interpreter on its `#!` line. When that file is',
      'missing (`#!/bin/bash` on Alpine or distroless, `#!/usr/bin/env python3` without `env` or',
      'Python), `execve` returns `ENOENT` and the error names the script, which exists, so the',
      'message misleads. A script saved with CRLF line endings looks for `/bin/sh\\r` and fails the',
      'same way.',
    ].join('\n'),
    fix: [
      'Use an interpreter the image has, or install it:',
      '',
      '```diff',
      ' FROM alpine:3.20',
      '-COPY entrypoint.sh /entrypoint.sh',
      '+RUN apk add --no-cache bash',
      '+COPY entrypoint.sh /entrypoint.sh',
      ' ENTRYPOINT ["/entrypoint.sh"]',
      '```',
      '',
      'or change the script to `#!/bin/sh` when it is POSIX shell.',
    ].join('\n'),
    safeToIgnore:
      'When the script is never executed directly in this image (documentation, or always run as `sh script`).',
    tags: ['reliability', 'entrypoint', 'container'],
    precision: 'very-high',
  },
  {
    id: 'EG401',
    name: 'ca-certificates-missing',
    defaultLevel: 'warning',
    shortDescription: 'Go binary verifies TLS but the image has no CA bundle',
    fullDescription:
      "A Go binary links crypto/x509's system root loading and the image has none of the CA bundle files or directories Go reads on Linux (/etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/cert.pem, ...).",
    runtimeError:
      'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    why: [
      '`scratch` contains nothing, so the first outgoing HTTPS request fails. The program starts',
      'and passes a liveness probe, then fails on its first call to an API. The rule reads the',
      "binary's function table: a linked function may never be called, and `SSL_CERT_FILE` /",
      '`SSL_CERT_DIR` set at deploy time also satisfy it.',
    ].join('\n'),
    fix: [
      'Copy the CA bundle from the build stage:',
      '',
      '```diff',
      ' FROM scratch',
      '+COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/',
      ' COPY --from=build /out/app /app',
      '```',
      '',
      'or use `gcr.io/distroless/static-debian12`, which has it.',
    ].join('\n'),
    safeToIgnore:
      'When the program makes no TLS connections to public endpoints, or the deployment mounts a bundle and sets `SSL_CERT_FILE`.',
    tags: ['reliability', 'go', 'files', 'container'],
    precision: 'medium',
  },
  {
    id: 'EG402',
    name: 'zoneinfo-missing',
    defaultLevel: 'warning',
    shortDescription: 'Go binary loads time zones but the image has no zoneinfo',
    fullDescription:
      'A Go binary links time.LoadLocation without embedding time/tzdata, and the image has no zoneinfo database (/usr/share/zoneinfo, /usr/share/lib/zoneinfo, /usr/lib/locale/TZ).',
    runtimeError: 'unknown time zone Europe/Berlin',
    why: [
      "Go reads time zones from the image's files unless the binary embeds them. In `scratch` or",
      'Alpine without `tzdata`, `time.LoadLocation("Europe/Berlin")` returns `unknown time zone',
      'Europe/Berlin` and `TZ=Europe/Berlin` silently gives UTC. The rule reads the function table:',
      'a linked function may never be called.',
    ].join('\n'),
    fix: [
      'Embed the database in the binary:',
      '',
      '```diff',
      '-RUN CGO_ENABLED=0 go build -o /out/app .',
      '+RUN CGO_ENABLED=0 go build -tags timetzdata -o /out/app .',
      '```',
      '',
      '(or `import _ "time/tzdata"` in `main`), or copy `/usr/share/zoneinfo` from the build stage.',
    ].join('\n'),
    safeToIgnore: 'When the program only uses UTC and fixed offsets.',
    tags: ['reliability', 'go', 'files', 'container'],
    precision: 'medium',
  },
  {
    id: 'EG403',
    name: 'user-database-missing',
    defaultLevel: 'note',
    shortDescription: 'Go binary looks up users but the image has no /etc/passwd',
    fullDescription:
      'A Go binary links os/user and the image has no /etc/passwd (or /etc/group), so user and group lookups fail.',
    runtimeError: 'user: unknown userid 0',
    why: [
      '`os/user.Current()` and `user.LookupId` call `getpwuid_r` through NSS with cgo, or read',
      '`/etc/passwd` in pure Go. `scratch` has no such file: with cgo the lookup returns',
      '`user: unknown userid <uid>`; in pure Go `user.LookupId` returns `open /etc/passwd: no such',
      'file or directory` and `user.Current()` `user: Current requires cgo or $USER set in',
      'environment`. Programs that derive a home directory or a cache path from the user then fail.',
    ].join('\n'),
    fix: [
      'Add a minimal user database for the user the image runs as:',
      '',
      '```diff',
      ' FROM scratch',
      '+COPY --from=build /etc/passwd /etc/group /etc/',
      ' COPY --from=build /out/app /app',
      ' USER 65532',
      '```',
      '',
      'or use `gcr.io/distroless/static-debian12`, which has `nonroot` (65532).',
    ].join('\n'),
    safeToIgnore: 'When the code path that looks up users is not used in this deployment.',
    tags: ['reliability', 'go', 'files', 'container'],
    precision: 'low',
  },
  {
    id: 'EG501',
    name: 'hardening',
    defaultLevel: 'note',
    shortDescription: 'Binary hardening summary (PIE, RELRO, NX, stack protector)',
    fullDescription:
      'Reports which hardening features an ELF lacks, as checksec reports them: position-independent executable, RELRO (partial or full), non-executable stack, stack protector.',
    runtimeError: '',
    why: [
      'These features make memory-corruption bugs harder to exploit; they do not change whether',
      'the program starts. Go binaries linked internally legitimately show no RELRO and no stack',
      'protector.',
    ].join('\n'),
    fix: [
      'For C code, build with the distribution hardening flags; for Go, use PIE where a loader is',
      'present:',
      '',
      '```diff',
      '-RUN go build -o /out/app .',
      '+RUN go build -buildmode=pie -o /out/app .',
      '```',
      '',
      '(A PIE Go binary needs the dynamic loader: do not do this for a `scratch` image, see EG101.)',
    ].join('\n'),
    safeToIgnore:
      'Usually: this is informational. Disable the rule in the config if you do not want it.',
    tags: ['hardening', 'informational'],
    precision: 'high',
  },
];

export const RULE_CATALOG: readonly RuleMeta[] = SPECS.map((spec) => ({
  id: spec.id,
  name: spec.name,
  defaultLevel: spec.defaultLevel,
  shortDescription: spec.shortDescription,
  fullDescription: spec.fullDescription,
  runtimeError: spec.runtimeError,
  helpMarkdown: helpMarkdown(spec),
  tags: spec.tags,
  precision: spec.precision,
}));

const BY_ID = new Map(RULE_CATALOG.map((meta) => [meta.id, meta]));

/** The metadata of rule `id`; an unknown id is a programming error (rules are fixed). */
export function ruleMeta(id: string): RuleMeta {
  const meta = BY_ID.get(id);
  if (!meta) throw new Error(`unknown rule id ${id}`);
  return meta;
}

export function isRuleId(id: string): boolean {
  return BY_ID.has(id);
}

/** The rule's runtime error with the finding's own path in place of `/app`; '' when none. */
export function runtimeErrorFor(meta: RuleMeta, path: string | null): string {
  if (path === null || meta.runtimeError === '') return meta.runtimeError;
  return meta.runtimeError.split(RUNTIME_ERROR_PATH_PLACEHOLDER).join(path);
}

/**
 * What the finding's file prints when the container starts: the rule's own exact error when the
 * facts told it (the real symbol, library, version), else the catalog's with the file's path.
 */
export function findingRuntimeError(finding: Finding): string {
  if (finding.runtimeError !== undefined) return finding.runtimeError;
  return isRuleId(finding.ruleId) ? runtimeErrorFor(ruleMeta(finding.ruleId), finding.path) : '';
}
