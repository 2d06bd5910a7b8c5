# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # RECIPE_* are read by scripts/factory.sh
# Like gcr.io/distroless/static: users, CA bundle and zoneinfo, and no libc, loader or shell.
# Only a static binary (CGO_ENABLED=0 Go) can start on it.

recipe_inputs() {
  dpkg-query -W ca-certificates tzdata
}

recipe_rootfs() {
  local root=$1
  mkdir -p "$root"/{etc/ssl/certs,usr/share,tmp,root,home/nonroot,var/lib/dpkg/status.d}
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  chown 65532:65532 "$root/home/nonroot"
  cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
  cat >"$root/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
staff:x:50:
nonroot:x:65532:
nogroup:x:65534:
GROUP
  cat >"$root/etc/nsswitch.conf" <<'NSS'
passwd:         files
group:          files
shadow:         files
hosts:          files dns
networks:       files
protocols:      files
services:       files
ethers:         files
rpc:            files
NSS
  # distroless/static says it is Debian; scanners that read os-release see the same here.
  cat >"$root/etc/os-release" <<'OSR'
PRETTY_NAME="Distroless-like (exit139-guard test image)"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
OSR
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  cp -a /usr/share/zoneinfo "$root/usr/share/zoneinfo"
  # tzdata links it to the host's /etc/localtime, which this image does not have.
  rm -f "$root/usr/share/zoneinfo/localtime"
}

RECIPE_CHANGES=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'
)
