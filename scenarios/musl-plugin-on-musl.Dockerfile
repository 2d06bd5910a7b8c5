# The module built with musl-gcc, loaded by the musl program on the Alpine-like image: it loads.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN musl-gcc -O2 -D_FORTIFY_SOURCE=2 -shared -fPIC -o /out/plugin.so c/plugin.c \
 && musl-gcc -O1 -o /out/dlhost c/dlhost.c

FROM exit139-guard-test/alpine-like:local
COPY --from=build /out/dlhost /out/plugin.so /app/
ENTRYPOINT ["/app/dlhost", "/app/plugin.so"]
