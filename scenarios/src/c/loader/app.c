/* One source for every test program: it calls ENTRY from its first library. */
#include <stdio.h>
const char *ENTRY(void);

int main(void) {
  puts(ENTRY());
  return 0;
}
