#!/usr/bin/env bash
# Builds the demo image archives from examples/go-service/ with the project's Docker Engine and
# the factory's Go builder (no registry, no network; the Dockerfiles' default GO_IMAGE is
# golang:1.22, and the local bookworm + Go image stands in for it):
#   examples/go-service.oci.tar        Dockerfile: the service forgets CGO_ENABLED=0, FROM scratch
#   examples/go-service-fixed.oci.tar  Dockerfile.fixed: the same with the fix
# Each is an OCI archive with gzip layers (about 1.5 MB), committed so that `npm run demo` and the
# action tests need no Docker.
#   examples/build.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOCKER_HOST=${DOCKER_HOST:-unix:///run/exit139-guard-docker/docker.sock}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$REPO/scripts/factory.sh" go-builder

# build NAME DOCKERFILE: builds examples/NAME.oci.tar.
build() {
  local name=$1 dockerfile=$2 tag="exit139-guard-demo/$1:local" out="$REPO/examples/$1.oci.tar"
  echo "build.sh: building $tag from $dockerfile"
  DOCKER_BUILDKIT=0 docker build --network none -q -f "$REPO/examples/go-service/$dockerfile" \
    --build-arg GO_IMAGE=exit139-guard-test/go-builder:local \
    -t "$tag" "$REPO/examples/go-service" >/dev/null
  docker save -o "$WORK/$name.docker.tar" "$tag"
  skopeo copy --quiet --dest-compress --dest-compress-format gzip \
    "docker-archive:$WORK/$name.docker.tar" "oci-archive:$WORK/$name.oci.tar:$name"
  mv "$WORK/$name.oci.tar" "$out"
  echo "build.sh: wrote $out ($(du -h "$out" | cut -f1))"
}

build go-service Dockerfile
build go-service-fixed Dockerfile.fixed
