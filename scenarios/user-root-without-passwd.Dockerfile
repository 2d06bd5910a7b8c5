# USER root on scratch: a name is looked up in /etc/passwd even for root, and there is none.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./hello

FROM scratch
COPY --from=build /out/app /app
USER root
ENTRYPOINT ["/app"]
