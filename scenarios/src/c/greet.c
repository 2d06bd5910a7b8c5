/* greet: a program that needs its own shared library, libgreet.so.1. */
const char *greeting(void);
#include <stdio.h>

int main(void) {
  puts(greeting());
  return 0;
}
