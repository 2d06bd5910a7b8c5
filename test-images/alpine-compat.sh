# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # RECIPE_* are read by scripts/factory.sh
# alpine-like plus the links Alpine's libc6-compat package lays down for x86_64 (musl's
# APKBUILD, compat(): the glibc loader name in /lib64, and the glibc sonames in /lib, all
# pointing at musl). A glibc-linked binary then finds "its" loader and libc.so.6 but runs
# against musl.
source "$RECIPES/alpine-like.sh"
RECIPE_FILES+=("$RECIPES/alpine-like.sh")

recipe_rootfs() {
  local root=$1
  alpine_like_rootfs "$root"
  mkdir -p "$root/lib64"
  ln -s /lib/libc.musl-x86_64.so.1 "$root/lib64/ld-linux-x86-64.so.2"
  local soname
  for soname in libc.so.6 libcrypt.so.1 libm.so.6 libpthread.so.0 librt.so.1 libutil.so.1; do
    ln -s /lib/libc.musl-x86_64.so.1 "$root/lib/$soname"
  done
}
