# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # RECIPE_* are read by scripts/factory.sh
# A builder stage like the Debian-based golang images: bookworm with Go (1.19), gcc and glibc's
# headers, so cgo is on by default, plus musl-gcc for musl builds. Builds run with no network:
# GOPROXY=off makes a missing module fail at once instead of waiting on a download.
source "$RECIPES/debian.sh"
RECIPE_FILES+=("$RECIPES/debian.sh")

recipe_inputs() {
  echo "bookworm golang-go gcc libc6-dev musl-tools $DEBIAN_MIRROR"
}

recipe_rootfs() {
  debian_rootfs "$1" bookworm --merged-usr --include=golang-go,gcc,libc6-dev,musl-tools
}

RECIPE_CHANGES+=('ENV GOPROXY=off')
