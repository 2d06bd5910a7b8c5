# A static cgo binary (-extldflags -static) that links glibc's NSS resolver: it starts.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN go build -ldflags '-linkmode external -extldflags "-static"' -o /out/app ./netcgo

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
