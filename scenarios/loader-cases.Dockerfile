# Programs and libraries laid out to exercise each step of the loaders' search order; the tests
# compare the simulation with `ld.so --list` (glibc) and `ld-musl --list` run inside the image.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
WORKDIR /src/c/loader
# glibc. RPATH (old dtags) is inherited by the libraries the program loads; RUNPATH is not.
RUN set -e; o=/out/glibc/opt; mkdir -p $o/a/bin $o/a/lib $o/a/libb $o/c/lib/x86_64-linux-gnu $o/d/x86_64 $o/e $o/f/bin $o/f/lib; \
 gcc -shared -fPIC -DNAME=fb -Wl,-soname,libb.so -o $o/a/libb/libb.so lib.c; \
 gcc -shared -fPIC -DNAME=fa -DCALLS=fb -Wl,-soname,liba.so -o $o/a/lib/liba.so lib.c $o/a/libb/libb.so; \
 gcc -DENTRY=fa -o $o/a/bin/rpath-inherited app.c -L$o/a/lib -la -Wl,--disable-new-dtags,-rpath,'$ORIGIN/../lib:$ORIGIN/../libb',-rpath-link,$o/a/libb; \
 gcc -DENTRY=fa -o $o/a/bin/runpath-not-inherited app.c -L$o/a/lib -la -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib:$ORIGIN/../libb',-rpath-link,$o/a/libb; \
 gcc -shared -fPIC -DNAME=fc -Wl,-soname,libc3.so -o $o/c/lib/x86_64-linux-gnu/libc3.so lib.c; \
 gcc -DENTRY=fc -o $o/c/dollar-lib app.c $o/c/lib/x86_64-linux-gnu/libc3.so -Wl,-rpath,'/opt/c/$LIB'; \
 gcc -shared -fPIC -DNAME=fd -Wl,-soname,libd.so -o $o/d/x86_64/libd.so lib.c; \
 gcc -DENTRY=fd -o $o/d/dollar-platform app.c $o/d/x86_64/libd.so -Wl,-rpath,'/opt/d/${PLATFORM}'; \
 gcc -shared -fPIC -DNAME=fe -o $o/e/libe.so lib.c; \
 gcc -DENTRY=fe -o $o/e/needed-with-slash app.c $o/e/libe.so; \
 gcc -DENTRY=fb -o $o/a/bin/nodeflib app.c $o/a/libb/libb.so -Wl,-z,nodefaultlib,-rpath,'$ORIGIN/../libb'; \
 gcc -shared -fPIC -DNAME=ff -Wl,-soname,libf.so -o $o/f/lib/libf.so lib.c; \
 gcc -DENTRY=ff -o $o/f/bin/env-path app.c $o/f/lib/libf.so; \
 ln -s ../../a/bin/rpath-inherited $o/f/bin/symlinked-rpath; \
 mkdir -p $o/v $o/u /tmp/v2; \
 gcc -shared -fPIC -DWITH_TWO -Wl,--version-script=vers2.map,-soname,libv.so -o /tmp/v2/libv.so libv.c; \
 gcc -shared -fPIC -Wl,--version-script=vers1.map,-soname,libv.so -o $o/v/libv.so libv.c; \
 gcc -o $o/v/version-missing vapp.c /tmp/v2/libv.so -Wl,-rpath,/opt/v; \
 gcc -shared -fPIC -Wl,-soname,libmaybe.so -o $o/u/libmaybe.so ../libmaybe.c; \
 gcc -o $o/u/symbol-missing ../maybe.c $o/u/libmaybe.so -Wl,--allow-shlib-undefined,-rpath,/opt/u
# musl. The RUNPATH of each object up the chain is searched; /etc/ld-musl-x86_64.path adds /opt/mp.
RUN set -e; o=/out/musl/opt; mkdir -p $o/m/bin $o/m/lib $o/m/libb $o/mp; \
 musl-gcc -shared -fPIC -DNAME=gb -Wl,-soname,libmb.so -o $o/m/libb/libmb.so lib.c; \
 musl-gcc -shared -fPIC -DNAME=ga -DCALLS=gb -Wl,-soname,libma.so -o $o/m/lib/libma.so lib.c $o/m/libb/libmb.so; \
 musl-gcc -DENTRY=ga -o $o/m/bin/runpath-chain app.c $o/m/lib/libma.so -Wl,-rpath-link,$o/m/libb,--enable-new-dtags,-rpath,'$ORIGIN/../lib:$ORIGIN/../libb'; \
 musl-gcc -DENTRY=ga -o $o/m/bin/runpath-first-only app.c $o/m/lib/libma.so -Wl,-rpath-link,$o/m/libb,--enable-new-dtags,-rpath,'$ORIGIN/../lib'; \
 musl-gcc -shared -fPIC -DNAME=gp -Wl,-soname,libmp.so -o $o/mp/libmp.so lib.c; \
 musl-gcc -DENTRY=gp -o $o/m/bin/path-file app.c $o/mp/libmp.so

FROM exit139-guard-test/bookworm:local AS glibc
COPY --from=build /out/glibc/opt/ /opt/
ENV LD_LIBRARY_PATH=/opt/f/lib

FROM exit139-guard-test/alpine-like:local AS musl
COPY --from=build /out/musl/opt/ /opt/
RUN printf '/lib\n/usr/local/lib\n/usr/lib\n/opt/mp\n' > /etc/ld-musl-x86_64.path
