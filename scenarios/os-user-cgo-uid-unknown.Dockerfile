# The cgo os/user program (getpwuid_r through glibc) as a uid /etc/passwd does not list.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=1 go build -o /out/app ./whoami

FROM exit139-guard-test/distroless-base-like:local
COPY --from=build /out/app /app
USER 1000
ENTRYPOINT ["/app"]
