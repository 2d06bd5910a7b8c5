# USER is a name, CMD the program: fine under `docker run`. Pods with runAsNonRoot cannot verify
# a name; args that name a #!/bin/bash script fail on this base without bash.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN CGO_ENABLED=0 go build -o /out/app ./hello && printf '#!/bin/bash\necho started\n' > /out/run.sh && chmod 0755 /out/run.sh

FROM exit139-guard-test/distroless-static-like:local
COPY --from=build /out/app /app
COPY --from=build /out/run.sh /run.sh
USER nonroot
CMD ["/app"]
