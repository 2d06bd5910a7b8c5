# Starts under `docker run` (as root, from WORKDIR /opt); the Kubernetes manifests in
# __tests__/kubernetes/fixtures/scenarios/ override how it starts, some fatally.
# /opt/bin/app is 0700 root: only root may run it. /usr/local/bin/hello is 0755.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./hello && chmod 0700 /out/app && cp /out/app /out/hello && chmod 0755 /out/hello

FROM exit139-guard-test/alpine-like:local
COPY --from=build /out/app /opt/bin/app
COPY --from=build /out/hello /usr/local/bin/hello
WORKDIR /opt
ENTRYPOINT ["./bin/app"]
