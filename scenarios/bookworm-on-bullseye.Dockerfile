# Built against glibc 2.36 (bookworm), run on glibc 2.31 (bullseye): needs GLIBC_2.34.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/hello.c

FROM exit139-guard-test/bullseye:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
