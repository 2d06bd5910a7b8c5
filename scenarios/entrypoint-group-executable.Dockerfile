# Mode 0750 and group nonroot: USER nonroot may execute it through its group.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./hello && chmod 0750 /out/app

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build --chown=0:65532 /out/app /app
USER nonroot
ENTRYPOINT ["/app"]
