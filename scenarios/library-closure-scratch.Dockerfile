# A C program linked against glibc and a library of the builder's base image (GNU MPC, and
# through it MPFR and GMP), copied alone into scratch: no loader, no libc, no libraries.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN gcc -O1 -o /out/app c/mpc-version.c /usr/lib/x86_64-linux-gnu/libmpc.so.3

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
