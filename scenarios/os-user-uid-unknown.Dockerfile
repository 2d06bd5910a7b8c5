# A pure-Go os/user program run as a uid /etc/passwd does not list, with $USER unset: Go cannot
# tell who it is (user.Current fails); the program starts and reports the error.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./whoami

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/app /app
USER 1000
ENTRYPOINT ["/app"]
