# The entrypoint is a relative symlink to a program that was never copied.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN mkdir -p /out/opt/app && ln -s ../server/bin/server /out/opt/app/current && ln -s opt/app/current /out/app

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/ /
ENTRYPOINT ["/app"]
