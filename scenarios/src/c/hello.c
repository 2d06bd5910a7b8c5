/* hello: the smallest C program; needs only the C library's startup and puts. */
#include <stdio.h>

int main(void) {
  puts("hello from C");
  return 0;
}
