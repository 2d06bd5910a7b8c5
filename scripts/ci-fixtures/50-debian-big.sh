#!/usr/bin/env bash
# The big Debian image (bench/build-image.sh: python3, perl, git, gcc, g++ and a dozen Go
# programs, 1.2 GB) that __tests__/rules/clean-distributions.test.ts scans: a working
# distribution must get no error. The bench script skips every step whose output exists, so a
# warm run only checks that the archive is there.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ARCHIVE="${BENCH_CACHE:-/var/cache/exit139-guard/bench}/debian-big.tar"
if [ -f "$ARCHIVE" ]; then
  echo "debian-big: $ARCHIVE present"
  exit 0
fi
echo "debian-big: building with bench/build-image.sh (Debian packages, several minutes)"
BENCH_DOCKER_ARCHIVES_ONLY=1 "$ROOT/bench/build-image.sh"
