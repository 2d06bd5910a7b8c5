# Debian's ld.so copied as a plain file into /lib64 of a scratch image, its libc into
# /lib/x86_64-linux-gnu: the loader searches the directories compiled into it, wherever it sits.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/hello.c

FROM scratch
COPY --from=exit139-guard-test/bookworm:local /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2
COPY --from=exit139-guard-test/bookworm:local /usr/lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libc.so.6
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
