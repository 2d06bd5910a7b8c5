# A glibc-only function (gnu_get_libc_version) on libc6-compat: musl cannot bind it.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/libcver.c

FROM exit139-guard-test/alpine-compat:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
