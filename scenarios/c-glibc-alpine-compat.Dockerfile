# A plain glibc C program (puts only) on libc6-compat: every symbol exists in musl.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/hello.c

FROM exit139-guard-test/alpine-compat:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
