#!/usr/bin/env bash
# The way a person checks an image's ELF files today, timed by bench/run.mjs as the baseline:
# unpack the archive, unpack every layer in manifest order into one tree (GNU tar detects gzip
# and zstd layers itself), and run scanelf over it for the interpreter, needed libraries and
# rpaths of every ELF file. Takes a docker-save tar or an OCI archive (one image).
# Whiteouts are not applied (nobody does by hand; the benchmark image has none).
#   bench/by-hand.sh ARCHIVE WORKDIR      # WORKDIR must not exist; it is left for the caller
set -euo pipefail
archive=$1 dir=$2
mkdir "$dir" "$dir/archive" "$dir/rootfs"
tar -xf "$archive" -C "$dir/archive"
if [ -f "$dir/archive/manifest.json" ]; then
  layers=$(jq -r '.[0].Layers[]' "$dir/archive/manifest.json")
else
  manifest=$(jq -r '.manifests[0].digest | sub(":"; "/")' "$dir/archive/index.json")
  layers=$(jq -r '.layers[].digest | "blobs/" + sub(":"; "/")' "$dir/archive/blobs/$manifest")
fi
for layer in $layers; do
  tar -xf "$dir/archive/$layer" -C "$dir/rootfs"
done
scanelf -R -y -B -F '%i %n %r %F' "$dir/rootfs" >"$dir/scanelf.txt"
