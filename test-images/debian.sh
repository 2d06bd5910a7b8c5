# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # RECIPE_* are read by scripts/factory.sh
# Shared by the Debian recipes: debootstrap --variant=minbase from Debian's mirror, with the
# downloaded packages kept in the factory cache so a rebuild does not download them again.

DEBIAN_MIRROR=${EXIT139_GUARD_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# debian_rootfs DIR SUITE [--include=...] [--merged-usr|--no-merged-usr]
debian_rootfs() {
  local root=$1 suite=$2
  shift 2
  local debs="$CACHE/debs/$suite"
  mkdir -p "$debs"
  debootstrap --variant=minbase --cache-dir="$debs" "$@" "$suite" "$root" "$DEBIAN_MIRROR" \
    >"$CACHE/debootstrap-$suite.log" 2>&1 || {
    tail -n 30 "$CACHE/debootstrap-$suite.log" >&2
    return 1
  }
  echo "deb $DEBIAN_MIRROR $suite main" >"$root/etc/apt/sources.list"
  # What the official images also leave out: package lists, the host's identity, logs.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log \
    "$root"/var/cache/apt/archives/*.deb
  rm -f "$root/etc/hostname" "$root/etc/resolv.conf"
}

RECIPE_CHANGES=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'CMD ["bash"]'
)
