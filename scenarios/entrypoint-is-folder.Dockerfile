# An ENTRYPOINT that names a folder: runc finds it, and execve refuses it (permission denied).
FROM exit139-guard-test/bookworm:local
ENTRYPOINT ["/usr/local"]
