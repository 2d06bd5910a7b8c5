# A #!/usr/bin/env bash script: busybox has env, but env finds no bash in PATH.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN printf '#!/usr/bin/env bash\necho started\n' > /out/run.sh && chmod 0755 /out/run.sh

FROM exit139-guard-test/alpine-like:local
COPY --from=build /out/run.sh /run.sh
ENTRYPOINT ["/run.sh"]
