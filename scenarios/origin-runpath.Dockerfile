# The same program, with RUNPATH $ORIGIN/lib and the library copied beside it.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -shared -fPIC -Wl,-soname,libgreet.so.1 -o /out/libgreet.so.1 c/libgreet.c \
 && gcc -O1 -o /out/app c/greet.c /out/libgreet.so.1 -Wl,-rpath,'$ORIGIN/lib'

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/app /opt/greet/app
COPY --from=build /out/libgreet.so.1 /opt/greet/lib/libgreet.so.1
ENTRYPOINT ["/opt/greet/app"]
