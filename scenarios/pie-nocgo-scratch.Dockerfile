# -buildmode=pie with CGO_ENABLED=0 still needs the dynamic loader, which scratch lacks.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -buildmode=pie -o /out/app ./hello

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
