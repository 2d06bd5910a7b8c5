# Debian's ld.so and its libc both copied into /lib64 of a scratch image: Debian's loader never
# searches /lib64 (its system directories are /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu,
# /lib, /usr/lib), so libc.so.6 is not found.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/hello.c

FROM scratch
COPY --from=exit139-guard-test/bookworm:local /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2
COPY --from=exit139-guard-test/bookworm:local /usr/lib/x86_64-linux-gnu/libc.so.6 /lib64/libc.so.6
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
