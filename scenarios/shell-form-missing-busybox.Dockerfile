# The same on a BusyBox base: ash words the same failure differently.
FROM exit139-guard-test/alpine-like:local
CMD exec notthere --flag
