# The library found through LD_LIBRARY_PATH set in the image.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -shared -fPIC -Wl,-soname,libgreet.so.1 -o /out/libgreet.so.1 c/libgreet.c \
 && gcc -O1 -o /out/app c/greet.c /out/libgreet.so.1

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/libgreet.so.1 /opt/greet/lib/libgreet.so.1
COPY --from=build /out/app /app
ENV LD_LIBRARY_PATH=/opt/greet/lib
ENTRYPOINT ["/app"]
