# The healthy twin: a shell-form CMD whose command the image has.
FROM exit139-guard-test/bookworm:local
CMD /usr/bin/printf 'started %s\n' --flag
