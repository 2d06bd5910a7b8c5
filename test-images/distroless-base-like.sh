# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # RECIPE_* are read by scripts/factory.sh
# Like gcr.io/distroless/base: distroless-static-like plus glibc's shared libraries and loader
# (this machine's libc6, merged /usr), and nothing else: no libgcc_s.so.1 (which glibc dlopens
# for pthread_cancel and pthread_exit), no gconv modules (iconv_open of any charset glibc does
# not build in fails), no /etc/ld.so.cache, no shell.
RECIPE_FILES+=("$RECIPES/distroless-static-like.sh")

recipe_inputs() {
  dpkg-query -W ca-certificates tzdata libc6
}

recipe_rootfs() {
  local root=$1
  # The static base's tree, from its own recipe (sourced in a subshell: it defines the same names).
  (
    # shellcheck source=distroless-static-like.sh
    source "$RECIPES/distroless-static-like.sh"
    recipe_rootfs "$root"
  )
  mkdir -p "$root/usr/lib/x86_64-linux-gnu" "$root/usr/lib64"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  # libc6's libraries and loader; its gconv modules, locales data and docs stay out.
  dpkg -L libc6 | grep -E '^/(lib|lib64|usr/lib)/' | grep -v '/gconv' |
    while read -r f; do [ -d "$f" ] && [ ! -L "$f" ] || echo "$f"; done |
    tar -cf - --no-recursion -T - 2>/dev/null |
    tar -xf - -C "$root" --keep-directory-symlink
}

RECIPE_CHANGES=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'
)
