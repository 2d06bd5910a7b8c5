# os/user on scratch: there is no /etc/passwd to read; the program starts and finds no user.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./whoami

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
