# A shell-form CMD whose command is not in the image: runc starts /bin/sh (dash on Debian), and
# dash prints its own "not found" and exits 127 before any program runs.
FROM exit139-guard-test/bookworm:local
CMD /usr/local/bin/notthere --flag
