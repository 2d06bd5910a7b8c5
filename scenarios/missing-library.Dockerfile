# A program whose own shared library was not copied into the image.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -shared -fPIC -Wl,-soname,libgreet.so.1 -o /out/libgreet.so.1 c/libgreet.c \
 && gcc -O1 -o /out/app c/greet.c /out/libgreet.so.1

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
