# -extldflags "-static" with CGO_ENABLED=0: Go links internally and ignores the flag.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -ldflags '-extldflags "-static"' -o /out/app ./hello

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
