# A Go program whose entry point was zeroed: the kernel maps it, the first instruction faults (139).
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./hello && head -c 8 /dev/zero | dd of=/out/app bs=1 seek=24 conv=notrunc status=none

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
