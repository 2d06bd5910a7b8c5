/* vapp: needs v_two@VERS_2, which only version 2 of libv.so defines. */
#include <stdio.h>
const char *v_one(void);
const char *v_two(void);

int main(void) {
  printf("%s %s\n", v_one(), v_two());
  return 0;
}
