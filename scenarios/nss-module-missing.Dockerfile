# An /etc/nsswitch.conf copied from a host joined to a directory (passwd and group from sss), in
# an image without libnss_sss.so.2: glibc skips the service it cannot load, and no other is
# listed, so the cgo os/user lookup finds nobody; the program starts and reports it.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=1 go build -o /out/app ./whoami
RUN printf 'passwd: sss\ngroup: sss\nhosts: files dns\n' > /out/nsswitch.conf

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/nsswitch.conf /etc/nsswitch.conf
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
