# A musl-linked C program on the Alpine-like base: NEEDED libc.so is musl's loader itself.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN musl-gcc -O1 -o /out/app c/hello.c

FROM exit139-guard-test/alpine-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
