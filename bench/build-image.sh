#!/usr/bin/env bash
# Builds the benchmark image from Debian bookworm packages (no registry) in three layers, imports
# it into the project's engine and saves docker-save archives of the image at each layer:
#   layer 1: debootstrap --variant=minbase + python3 perl make git curl openssh-client ca-certificates
#   layer 2: + gcc g++ and the Go programs restic rclone hugo
#   layer 3: + the Go programs caddy gh prometheus etcd-server etcd-client syncthing
# The layers are of similar size, so the images at layer 1, 2 and 3 are the same content at about
# a third, two thirds and all of the size (the benchmark's growth series).
# Each step is skipped when its output exists; delete the cache dir to start over.
#   bench/build-image.sh            # prints the archive paths at the end
# Outputs (in $BENCH_CACHE, default /var/cache/exit139-guard/bench):
#   debian-big-l1.tar, debian-big-l2.tar, debian-big.tar   docker-save archives
#   debian-big-oci-gzip.tar, debian-big-oci-zstd.tar         the full image as OCI archives
# Engine tags: exit139-guard-bench/debian-big-l1:1, -l2:1, exit139-guard-bench/debian-big:1
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BENCH_CACHE:-/var/cache/exit139-guard/bench}
mirror=${BENCH_MIRROR:-http://deb.debian.org/debian}
export DOCKER_HOST=${DOCKER_HOST:-unix:///run/exit139-guard-docker/docker.sock}
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

layer1_pkgs=(python3 perl make git curl openssh-client ca-certificates)
layer2_pkgs=(gcc g++ restic rclone hugo)
layer3_pkgs=(caddy gh prometheus etcd-server etcd-client syncthing)
repo=exit139-guard-bench/debian-big
tags=("$repo-l1:1" "$repo-l2:1" "$repo:1")
archives=("$cache/debian-big-l1.tar" "$cache/debian-big-l2.tar" "$cache/debian-big.tar")

[ "$(id -u)" = 0 ] || { echo "build-image.sh: must run as root (debootstrap, chroot)" >&2; exit 1; }
mkdir -p "$cache/debs"
log() { printf '[build-image %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# Bind mounts for apt inside a stage; always undone, so no later rm -rf can reach the host.
mounted=()
mount_stage() {
  local root=$1
  mount -t proc proc "$root/proc"
  mounted+=("$root/proc")
  mkdir -p "$root/var/cache/apt/archives"
  mount --bind "$cache/debs" "$root/var/cache/apt/archives"
  mounted+=("$root/var/cache/apt/archives")
}
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}" 2>/dev/null || true; done
  mounted=()
}
trap unmount_all EXIT

# Like an image's RUN line: no services started, no recommends, apt lists and caches removed.
apt_install() {
  local root=$1
  shift
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mount_stage "$root"
  chroot "$root" apt-get update -qq
  chroot "$root" apt-get install -y -qq --no-install-recommends "$@"
  chroot "$root" apt-get clean
  unmount_all
  rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d"
}

stage_done() { [ -f "$cache/$1.done" ]; }

# Stage 1: the base system.
if ! stage_done stage1; then
  log "debootstrap minbase bookworm + ${layer1_pkgs[*]}"
  rm -rf "$cache/stage1"
  debootstrap --variant=minbase --cache-dir="$cache/debs" \
    --include="$(
      IFS=,
      echo "${layer1_pkgs[*]}"
    )" bookworm "$cache/stage1" "$mirror" >"$cache/stage1.log"
  rm -rf "$cache"/stage1/var/lib/apt/lists/* "$cache"/stage1/var/cache/apt/*.bin
  touch "$cache/stage1.done"
fi

# Stages 2 and 3: a full copy of the previous stage plus one apt-get install each.
build_stage() {
  local n=$1 prev=$2
  shift 2
  if stage_done "stage$n"; then return; fi
  log "stage $n: apt-get install $*"
  rm -rf "$cache/stage$n"
  cp -a "$cache/$prev" "$cache/stage$n"
  apt_install "$cache/stage$n" "$@" >"$cache/stage$n.log"
  touch "$cache/stage$n.done"
}
build_stage 2 stage1 "${layer2_pkgs[@]}"
build_stage 3 stage2 "${layer3_pkgs[@]}"

# Layer tars: stage 1 whole, then what each later stage added or changed.
layer_tar() {
  local n=$1 prev=$2
  local out="$cache/layer$n.tar"
  [ -f "$out" ] && return
  log "layer $n tar"
  if [ -z "$prev" ]; then
    tar --numeric-owner -C "$cache/stage$n" -cf "$out.tmp" .
  else
    node "$here/layer-diff.mjs" "$cache/$prev" "$cache/stage$n" "$cache/layer$n.list" "$cache/layer$n.deleted"
    if [ -s "$cache/layer$n.deleted" ]; then
      echo "stage $n deleted files of $prev; ADD cannot express that:" >&2
      tr '\0' '\n' <"$cache/layer$n.deleted" | head >&2
      exit 1
    fi
    tar --numeric-owner --no-recursion --null -C "$cache/stage$n" -T "$cache/layer$n.list" -cf "$out.tmp"
  fi
  mv "$out.tmp" "$out"
}
layer_tar 1 ""
layer_tar 2 stage1
layer_tar 3 stage2

# Engine images: import layer 1, then ADD each later layer tar (ADD extracts a local tar; the
# build has no network and runs nothing, so the result is exactly the tar's content).
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
if ! image_exists "${tags[0]}"; then
  log "docker import ${tags[0]}"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    "$cache/layer1.tar" "${tags[0]}"
fi
for n in 2 3; do
  tag=${tags[$((n - 1))]}
  image_exists "$tag" && continue
  log "docker build $tag (ADD layer$n.tar)"
  ctx="$cache/context$n"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  ln "$cache/layer$n.tar" "$ctx/layer$n.tar"
  printf 'FROM %s\nADD layer%s.tar /\n' "${tags[$((n - 2))]}" "$n" >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build --network none -q -t "$tag" "$ctx"
  rm -rf "$ctx"
done

for i in 0 1 2; do
  [ -f "${archives[$i]}" ] && continue
  log "docker save ${tags[$i]} -> ${archives[$i]}"
  docker save -o "${archives[$i]}.tmp" "${tags[$i]}"
  chmod 644 "${archives[$i]}.tmp" # docker save -o creates 0600; tests may read as another user
  mv "${archives[$i]}.tmp" "${archives[$i]}"
done

# The same image as OCI archives with gzip and zstd layers (what buildx and registries hand out),
# so the benchmark also covers decompression. BENCH_DOCKER_ARCHIVES_ONLY=1 (the CI fixture, whose
# test reads only the docker-save archive) skips them.
formats="gzip zstd"
[ "${BENCH_DOCKER_ARCHIVES_ONLY:-0}" = 1 ] && formats=""
for format in $formats; do
  out="$cache/debian-big-oci-$format.tar"
  [ -f "$out" ] && continue
  log "skopeo copy -> $out"
  skopeo copy -q --dest-compress --dest-compress-format "$format" \
    "docker-archive:${archives[2]}" "oci-archive:$out.tmp"
  mv "$out.tmp" "$out"
done

ls -l "${archives[@]}" "$cache"/debian-big-oci-*.tar 2>/dev/null || true
