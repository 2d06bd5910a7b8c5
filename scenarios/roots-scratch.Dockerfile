# A CGO_ENABLED=0 program that loads the system CA roots, on scratch: starts, finds none.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./roots

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
