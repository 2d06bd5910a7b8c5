# The same converter on Debian, whose libc6 ships the gconv modules: it converts.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/iconv.c

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
