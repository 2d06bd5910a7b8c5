# The twin of env-two-words: env -S splits 'bash -e' into words and runs bash.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN printf '#!/usr/bin/env -S bash -e\necho started\n' > /out/run.sh && chmod 0755 /out/run.sh

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/run.sh /run.sh
ENTRYPOINT ["/run.sh"]
