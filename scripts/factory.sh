#!/usr/bin/env bash
# The test-image factory: builds the local base images the tests build FROM, without any
# registry, from the recipes in test-images/ (see its README). Each image is tagged
# exit139-guard-test/<name>:local and labelled with the hash of its recipe; an image that
# already carries the current hash is left alone, so a warm run does nothing.
#   scripts/factory.sh [name...]      # no name: all of them
#   scripts/factory.sh --list         # the names
# Needs root (debootstrap, file ownership) and DOCKER_HOST pointing at the engine.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RECIPES="$REPO/test-images"
CACHE=${EXIT139_GUARD_CACHE:-/var/cache/exit139-guard}
NAMESPACE=exit139-guard-test
HASH_LABEL=exit139-guard.recipe-hash
ALL=(distroless-static-like alpine-like alpine-compat bookworm bullseye go-builder distroless-base-like)
export DOCKER_HOST=${DOCKER_HOST:-unix:///run/exit139-guard-docker/docker.sock}

if [ "${1:-}" = --list ]; then
  printf '%s\n' "${ALL[@]}"
  exit 0
fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
for name in "${names[@]}"; do
  [ -f "$RECIPES/$name.sh" ] || { echo "factory: no recipe test-images/$name.sh" >&2; exit 2; }
done

mkdir -p "$CACHE/rootfs"
# The tree and tarball being built, removed however the factory ends.
root='' partial=''
trap 'rm -rf ${root:+"$root"} ${partial:+"$partial"}' EXIT
# Test suites running in parallel may ask for the same base: one factory at a time.
exec 9>"$CACHE/factory.lock"
flock 9

# Sources one recipe: sets RECIPE_FILES, RECIPE_CHANGES, recipe_inputs and recipe_rootfs.
load_recipe() {
  unset -f recipe_inputs recipe_rootfs
  RECIPE_FILES=("$RECIPES/$1.sh")
  RECIPE_CHANGES=()
  # shellcheck source=/dev/null
  source "$RECIPES/$1.sh"
}

# What makes an image: its recipe files (comments and blank lines aside, so editing them rebuilds
# nothing), its import changes, what recipe_inputs reports, and FACTORY_FORMAT, to be raised
# when this script changes how it turns a tree into an image.
FACTORY_FORMAT=1
recipe_hash() {
  {
    echo "format $FACTORY_FORMAT"
    grep -hv -e '^[[:space:]]*#' -e '^[[:space:]]*$' "${RECIPE_FILES[@]}"
    printf '%s\n' "${RECIPE_CHANGES[@]}"
    recipe_inputs
  } | sha256sum | cut -c1-16
}

build() {
  local name=$1 tag="$NAMESPACE/$1:local" hash have started
  load_recipe "$name"
  hash=$(recipe_hash)
  have=$(docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$tag" 2>/dev/null || true)
  if [ "$have" = "$hash" ]; then
    echo "factory: $tag is current (recipe $hash)"
    return
  fi
  started=$(date +%s)
  local tarball="$CACHE/rootfs/$name-$hash.tar"
  if [ -f "$tarball" ]; then
    echo "factory: $tag: importing the cached tree of recipe $hash"
  else
    echo "factory: $tag: building recipe $hash"
    root=$(mktemp -d "$CACHE/rootfs/$name.XXXXXX")
    recipe_rootfs "$root"
    # Device nodes, /proc and /sys contents come from the engine at run time, not the image.
    partial="$tarball.partial"
    tar --numeric-owner --sort=name --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
      -C "$root" -cf "$partial" .
    mv "$partial" "$tarball"
    rm -rf "$root"
    root='' partial=''
    # Older trees of this recipe are of no further use.
    find "$CACHE/rootfs" -maxdepth 1 -name "$name-*.tar" ! -name "$name-$hash.tar" -delete
  fi
  local changes=(--change "LABEL $HASH_LABEL=$hash")
  local change
  for change in "${RECIPE_CHANGES[@]}"; do changes+=(--change "$change"); done
  docker import "${changes[@]}" "$tarball" "$tag" >/dev/null
  echo "factory: $tag built in $(($(date +%s) - started)) s," \
    "$(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec)"
}

for name in "${names[@]}"; do
  build "$name"
done
