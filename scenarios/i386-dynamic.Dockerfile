# A 32-bit x86 dynamic program in an amd64 image: the kernel runs i386 code, but its loader
# /lib/ld-linux.so.2 (and 32-bit libraries) are not in the image. Built without a 32-bit libc:
# a freestanding _start that calls a function of its own 32-bit shared library, then exits.
FROM exit139-guard-test/go-builder:local AS build
ENV GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE=/tmp/go-cache
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out
RUN printf 'int greet(void) { return 0; }\n' > /tmp/lib.c \
 && printf 'int greet(void);\nvoid _start(void) { int r = greet(); __asm__ volatile("int $0x80" :: "a"(1), "b"(r)); }\n' > /tmp/app.c \
 && gcc -m32 -O2 -fPIC -ffreestanding -nostdlib -c -o /tmp/lib.o /tmp/lib.c \
 && ld -m elf_i386 -shared -soname libgreet.so.1 -o /out/libgreet.so.1 /tmp/lib.o \
 && gcc -m32 -O2 -fno-pie -ffreestanding -nostdlib -c -o /tmp/app.o /tmp/app.c \
 && ld -m elf_i386 --dynamic-linker /lib/ld-linux.so.2 -o /out/app /tmp/app.o /out/libgreet.so.1

FROM exit139-guard-test/bookworm:local
COPY --from=build /out/libgreet.so.1 /usr/lib/libgreet.so.1
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
