# The library directory is added to ld.so.conf.d, but ldconfig is never run: ld.so reads only the cache.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -shared -fPIC -Wl,-soname,libgreet.so.1 -o /out/libgreet.so.1 c/libgreet.c \
 && gcc -O1 -o /out/app c/greet.c /out/libgreet.so.1

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/libgreet.so.1 /usr/local/lib/greet/libgreet.so.1
RUN echo /usr/local/lib/greet > /etc/ld.so.conf.d/greet.conf
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
