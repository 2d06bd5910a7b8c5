# A GOARCH=386 static program in an amd64 image: the kernel runs it through IA32 emulation.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 GOARCH=386 go build -o /out/app ./hello

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
