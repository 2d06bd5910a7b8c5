# GOARCH=arm64 in an amd64 image: the kernel refuses the foreign ELF (no binfmt emulation).
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 GOARCH=arm64 go build -o /out/app ./hello

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
