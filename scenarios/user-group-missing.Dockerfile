# USER names a group that /etc/group of the image does not define: the engine refuses to start.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./hello

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/app /app
USER nonroot:app
ENTRYPOINT ["/app"]
