# A glibc program that cancels a thread, on a distroless/base-like image: glibc dlopens
# libgcc_s.so.1 for the unwinding, finds none, prints its message and aborts.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -pthread -o /out/app c/cancel.c

FROM exit139-guard-test/distroless-base-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
