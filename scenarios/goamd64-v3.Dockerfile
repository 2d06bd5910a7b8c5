# GOAMD64=v3: runs only on CPUs with AVX2 (x86-64-v3); the Go runtime checks before main.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 GOAMD64=v3 go build -o /out/app ./hello

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
