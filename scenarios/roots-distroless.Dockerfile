# The same on the distroless-like base, which has the CA bundle.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./roots

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
