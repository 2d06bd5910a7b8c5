/* Prints GNU MPC's version: needs libmpc.so.3, which needs libmpfr.so.6 and libgmp.so.10
 * (a library closure of three that gcc's own dependencies put into the builder). */
#include <stdio.h>

const char *mpc_get_version(void);

int main(void) {
  printf("mpc %s\n", mpc_get_version());
  return 0;
}
