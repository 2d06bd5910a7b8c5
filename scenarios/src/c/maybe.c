/* maybe: starts, and reaches the undefined function only with five or more arguments. */
#include <stdio.h>
const char *maybe(int call);

int main(int argc, char **argv) {
  (void)argv;
  puts(maybe(argc > 5));
  return 0;
}
