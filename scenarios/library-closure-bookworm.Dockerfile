# A C program linked against a library of the builder's base image (GNU MPC, and through it
# MPFR and GMP), copied alone into a final image that lacks them: the fix copies the closure.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/mpc-version.c /usr/lib/x86_64-linux-gnu/libmpc.so.3

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
