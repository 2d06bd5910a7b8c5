#!/usr/bin/env bash
# Gathers real ELF files that no one on this project wrote, for the ELF fact tests
# (__tests__/elf/): Debian packages of many architectures, Debian-built Go programs (including a
# Go < 1.18 one for the pointer-based build-info layout), and Go binaries built here with the
# build settings that matter to exit139-guard. Output: {debian,go-debian,go-built} under
# /var/cache/exit139-guard/elf-samples (or $EXIT139_GUARD_ELF_SAMPLES).
# Idempotent: each part is skipped when its stamp holds the hash of its recipe (its own section of
# this script, plus the Go sample's sources for the Go builds).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# Kept outside the checkout (like the factory's cache) so fresh clones in CI reuse it.
OUT="${EXIT139_GUARD_ELF_SAMPLES:-/var/cache/exit139-guard/elf-samples}"
RECIPE_DIR="$ROOT/scripts/elf-samples"
mkdir -p "$OUT"

SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
# The text of one part of this script, from its "# --- NAME" line to the next "# --- " line.
part_text() { awk -v name="# --- $1" 'index($0, name) == 1 {on = 1; print; next} /^# --- / {on = 0} on' "$SCRIPT"; }
DEBIAN_HASH="$(part_text Debian | sha256sum | cut -c1-16)"
GO_HASH="$( (part_text Go; find "$RECIPE_DIR/gosample" -type f | sort | xargs cat; go version) | sha256sum | cut -c1-16)"
stamp_ok() { [ -f "$OUT/$1.stamp" ] && [ "$(cat "$OUT/$1.stamp")" = "$2" ]; }
stamp_set() { echo "$2" >"$OUT/$1.stamp"; }

# --- Debian packages of several architectures, through a private apt state (no change to the
# machine's dpkg architectures or package lists).
ARCHES="amd64 arm64 armhf i386 ppc64el s390x mips64el"
PACKAGES="coreutils libc6 zlib1g musl"
if stamp_ok debian "$DEBIAN_HASH"; then
  echo "elf-samples: Debian packages up to date"
else
  echo "elf-samples: downloading $PACKAGES for $ARCHES (bookworm) and runc, containerd (bullseye, Go 1.15)"
  APT="$OUT/apt"
  rm -rf "$APT" "$OUT/debian" "$OUT/go-debian"
  mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/debs" "$OUT/debian" "$OUT/go-debian"
  : >"$APT/status"
  cat >"$APT/sources.list" <<SOURCES
deb [arch=$(echo $ARCHES | tr ' ' ,)] http://deb.debian.org/debian bookworm main
deb [arch=amd64] http://deb.debian.org/debian bullseye main
SOURCES
  APT_OPTS=(-o "Dir::Etc::SourceList=$APT/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$APT/lists" -o "Dir::State::status=$APT/status" -o "Dir::Cache=$APT/cache"
    -o "APT::Architectures=$(echo $ARCHES | tr ' ' ,)" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  apt-get "${APT_OPTS[@]}" -qq update
  cd "$APT/debs"
  WANTED=("runc:amd64/bullseye" "containerd:amd64/bullseye")
  for arch in $ARCHES; do
    for pkg in $PACKAGES; do WANTED+=("$pkg:$arch/bookworm"); done
  done
  apt-get "${APT_OPTS[@]}" -qq download "${WANTED[@]}"
  for deb in "$APT"/debs/*.deb; do
    name="$(basename "$deb" .deb)"
    case "$name" in
      runc_* | containerd_*) dest="$OUT/go-debian/$name" ;;
      *) dest="$OUT/debian/$name" ;;
    esac
    mkdir -p "$dest"
    dpkg-deb -x "$deb" "$dest"
  done
  # Debian-built Go programs installed on this machine (Go 1.19+ inline build info).
  mkdir -p "$OUT/go-debian/host"
  for f in /usr/sbin/runc /usr/sbin/dockerd /usr/bin/containerd-shim-runc-v2; do
    [ -f "$f" ] && cp "$f" "$OUT/go-debian/host/"
  done
  rm -rf "$APT"
  stamp_set debian "$DEBIAN_HASH"
fi

# --- Go binaries built here with the settings the rules care about.
if stamp_ok go-built "$GO_HASH"; then
  echo "elf-samples: Go builds up to date"
else
  GB="$OUT/go-built"
  rm -rf "$GB"
  mkdir -p "$GB"
  export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
  cd "$RECIPE_DIR/gosample"
  build() { # build NAME ENV... -- GOFLAGS...
    local name="$1"
    shift
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    echo "elf-samples: go build $name (${envs[*]} $*)"
    env GOOS=linux "${envs[@]}" go build -o "$GB/$name" "$@" .
  }
  for arch in amd64 386 arm64 ppc64le ppc64 s390x riscv64 mips mipsle mips64 mips64le loong64; do
    build "nocgo-$arch" GOARCH=$arch CGO_ENABLED=0 --
  done
  build nocgo-arm-v5 GOARCH=arm GOARM=5 CGO_ENABLED=0 --
  build nocgo-arm-v7 GOARCH=arm GOARM=7 CGO_ENABLED=0 --
  build cgo-dynamic GOARCH=amd64 CGO_ENABLED=1 --
  build cgo-static-external GOARCH=amd64 CGO_ENABLED=1 -- -ldflags '-linkmode external -extldflags "-static"'
  build nocgo-pie GOARCH=amd64 CGO_ENABLED=0 -- -buildmode=pie
  build cgo-pie GOARCH=amd64 CGO_ENABLED=1 -- -buildmode=pie
  build nocgo-trimpath-stripped-netgo GOARCH=amd64 CGO_ENABLED=0 -- -trimpath -ldflags "-s -w" -tags netgo,osusergo
  build cgo-musl GOARCH=amd64 CGO_ENABLED=1 CC=musl-gcc --
  build cgo-musl-static GOARCH=amd64 CGO_ENABLED=1 CC=musl-gcc -- -ldflags '-linkmode external -extldflags "-static"'
  build cgo-cross-arm64 GOARCH=arm64 CGO_ENABLED=1 CC=aarch64-linux-gnu-gcc --
  build nocgo-amd64-v3 GOARCH=amd64 GOAMD64=v3 CGO_ENABLED=0 --
  build nocgo-386-softfloat GOARCH=386 GO386=softfloat CGO_ENABLED=0 --
  # Settings whose values need go version -m's quoting: tab, double quote, backquote, non-ASCII.
  build nocgo-quoted-flags GOARCH=amd64 CGO_ENABLED=0 -- -tags "netgo osusergo" \
    -gcflags=all=-l -ldflags "$(printf -- "-X 'main.note=tab\there \"q\" \`b\` \303\251' -X main.empty=")"
  # C programs: glibc static and static-pie, musl dynamic and static.
  printf '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n' >"$GB/hello.c"
  gcc -O1 -o "$GB/c-glibc-dynamic" "$GB/hello.c"
  gcc -O1 -static -o "$GB/c-glibc-static" "$GB/hello.c"
  gcc -O1 -static-pie -o "$GB/c-glibc-static-pie" "$GB/hello.c"
  musl-gcc -O1 -o "$GB/c-musl-dynamic" "$GB/hello.c"
  musl-gcc -O1 -static -o "$GB/c-musl-static" "$GB/hello.c"
  rm "$GB/hello.c"
  stamp_set go-built "$GO_HASH"
fi
echo "elf-samples: $(find "$OUT" -type f -not -name '*.stamp' | wc -l) files under $OUT"
