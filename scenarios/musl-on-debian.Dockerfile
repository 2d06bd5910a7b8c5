# A musl-linked C program on Debian: its PT_INTERP /lib/ld-musl-x86_64.so.1 is not there.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN musl-gcc -O1 -o /out/app c/hello.c

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
