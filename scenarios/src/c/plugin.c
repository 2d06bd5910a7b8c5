/* plugin: a loadable module (like a Python extension or a Node addon) that keeps a copy of a
 * name. Built with -O2 -D_FORTIFY_SOURCE=2, glibc's headers turn the strncpy into a bounds-
 * checked __strncpy_chk, a glibc-only symbol. */
#include <string.h>

static char last[16];

const char *plugin_greet(const char *name, size_t size) {
  strncpy(last, name, size);
  last[sizeof last - 1] = '\0';
  return last;
}
