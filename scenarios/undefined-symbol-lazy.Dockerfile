# A library calls a function nothing defines; glibc binds it lazily, so the program starts.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -shared -fPIC -Wl,-soname,libmaybe.so -o /out/libmaybe.so c/libmaybe.c \
 && gcc -O1 -o /out/app c/maybe.c /out/libmaybe.so -Wl,--allow-shlib-undefined,-rpath,'$ORIGIN'

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/app /out/libmaybe.so /opt/maybe/
ENTRYPOINT ["/opt/maybe/app"]
