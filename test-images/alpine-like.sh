# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # RECIPE_* are read by scripts/factory.sh
# Laid out like Alpine: musl's dynamic loader is the libc (/lib/ld-musl-x86_64.so.1, with
# /lib/libc.musl-x86_64.so.1 linking to it), and a static busybox provides /bin/sh and the
# other applets as symlinks. Debian's musl and busybox-static packages supply the binaries.

recipe_inputs() {
  dpkg-query -W musl busybox-static
}

alpine_like_rootfs() {
  local root=$1
  mkdir -p "$root"/{bin,sbin,lib,etc,root,tmp,usr/bin,usr/sbin,usr/lib,usr/local/lib,var,home}
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  # Alpine installs the loader as the real file and libc as the link (its musl APKBUILD).
  cp /usr/lib/x86_64-linux-musl/libc.so "$root/lib/ld-musl-x86_64.so.1"
  chmod 755 "$root/lib/ld-musl-x86_64.so.1"
  ln -s ld-musl-x86_64.so.1 "$root/lib/libc.musl-x86_64.so.1"
  # musl reads its library search path from here; this is its built-in default order.
  printf '/lib\n/usr/local/lib\n/usr/lib\n' >"$root/etc/ld-musl-x86_64.path"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done < <(/bin/busybox --list-full)
  cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/:/sbin/nologin
PASSWD
  cat >"$root/etc/group" <<'GROUP'
root:x:0:root
nogroup:x:65533:
nobody:x:65534:
GROUP
}

recipe_rootfs() {
  alpine_like_rootfs "$1"
}

RECIPE_CHANGES=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'CMD ["/bin/sh"]'
)
