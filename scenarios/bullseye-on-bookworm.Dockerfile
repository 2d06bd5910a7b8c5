# A program built against glibc 2.31 (bullseye's ls) runs on the newer glibc 2.36 (bookworm).
FROM exit139-guard-test/bullseye:local AS old

FROM exit139-guard-test/bookworm:local
COPY --from=old /bin/ls /app
ENTRYPOINT ["/app", "/"]
