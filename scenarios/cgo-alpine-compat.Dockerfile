# The same glibc cgo binary on Alpine with libc6-compat: the glibc names point at musl.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN go build -o /out/app ./netcgo

FROM exit139-guard-test/alpine-compat:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
