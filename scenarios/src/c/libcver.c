/* libcver: calls a function only glibc has (musl's loader cannot bind it). */
#include <gnu/libc-version.h>
#include <stdio.h>

int main(void) {
  printf("glibc %s\n", gnu_get_libc_version());
  return 0;
}
