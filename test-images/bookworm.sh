# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # RECIPE_* are read by scripts/factory.sh
# Debian 12 minbase (glibc 2.36), merged /usr like the official bookworm images.
source "$RECIPES/debian.sh"
RECIPE_FILES+=("$RECIPES/debian.sh")

recipe_inputs() {
  echo "bookworm $DEBIAN_MIRROR"
}

recipe_rootfs() {
  debian_rootfs "$1" bookworm --merged-usr
}
