# ENV says CGO_ENABLED=0, but the RUN line sets CGO_ENABLED=1 for go build.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
ENV CGO_ENABLED=0
RUN CGO_ENABLED=1 go build -o /out/app ./netcgo

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
