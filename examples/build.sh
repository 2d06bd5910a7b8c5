#!/usr/bin/env bash
# Builds the demo image archive examples/go-service.oci.tar from examples/go-service/ with the
# project's Docker Engine and the factory's Go builder (no registry, no network): the Dockerfile's
# default GO_IMAGE is golang:1.22; here the local bookworm + Go image stands in for it. The result
# is an OCI archive with gzip layers (a few MB), committed so that `npm run demo` needs no Docker.
#   examples/build.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOCKER_HOST=${DOCKER_HOST:-unix:///run/exit139-guard-docker/docker.sock}
TAG=exit139-guard-demo/go-service:local
OUT="$REPO/examples/go-service.oci.tar"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$REPO/scripts/factory.sh" go-builder
echo "build.sh: building $TAG"
DOCKER_BUILDKIT=0 docker build --network none -q \
  --build-arg GO_IMAGE=exit139-guard-test/go-builder:local \
  -t "$TAG" "$REPO/examples/go-service"
docker save -o "$WORK/image.docker.tar" "$TAG"
echo "build.sh: converting to an OCI archive with gzip layers"
skopeo copy --quiet --dest-compress --dest-compress-format gzip \
  "docker-archive:$WORK/image.docker.tar" "oci-archive:$WORK/image.oci.tar:go-service"
mv "$WORK/image.oci.tar" "$OUT"
echo "build.sh: wrote $OUT ($(du -h "$OUT" | cut -f1))"
