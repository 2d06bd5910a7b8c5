# A glibc cgo binary on an Alpine-like base: musl only, no /lib64/ld-linux-x86-64.so.2.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN go build -o /out/app ./netcgo

FROM exit139-guard-test/alpine-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
