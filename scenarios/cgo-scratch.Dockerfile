# Go's default with gcc present is CGO_ENABLED=1: net makes it a glibc-linked binary; scratch has no loader.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN go build -o /out/app ./netcgo

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
