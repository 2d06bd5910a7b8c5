# The same program on Debian, which always has libgcc_s.so.1 (libgcc-s1 is required): it runs.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -pthread -o /out/app c/cancel.c

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
