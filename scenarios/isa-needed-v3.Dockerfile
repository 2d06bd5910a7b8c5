# A C program linked with -z x86-64-v3: its GNU property note says glibc must refuse older CPUs.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O2 -march=x86-64-v3 -Wl,-z,x86-64-v3 -o /out/app c/hello.c

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
