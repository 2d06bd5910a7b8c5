# A glibc program converting ISO-8859-1 text on a distroless/base-like image without gconv
# modules: iconv_open fails (EINVAL); the program starts and reports it.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/iconv.c

FROM exit139-guard-test/distroless-base-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
