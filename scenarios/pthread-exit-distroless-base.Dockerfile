# A glibc program whose worker thread calls pthread_exit, on a distroless/base-like image:
# glibc 2.34+ loads libgcc_s.so.1 for it, finds none, prints its pthread_exit message and aborts.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -pthread -o /out/app c/exit-thread.c

FROM exit139-guard-test/distroless-base-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
