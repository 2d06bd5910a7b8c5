# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # RECIPE_* are read by scripts/factory.sh
# Debian 11 minbase (glibc 2.31), with /bin, /lib, /lib64 as real directories like the
# official bullseye images.
source "$RECIPES/debian.sh"
RECIPE_FILES+=("$RECIPES/debian.sh")

recipe_inputs() {
  echo "bullseye $DEBIAN_MIRROR"
}

recipe_rootfs() {
  debian_rootfs "$1" bullseye --no-merged-usr
}
