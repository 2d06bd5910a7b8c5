/* iconv: converts Latin-1 text, as programs reading legacy files do. glibc builds in only the
 * UTF and ASCII converters; ISO-8859-1 comes from a gconv module (ISO8859-1.so). */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  iconv_t cd = iconv_open("UTF-8", "ISO-8859-1");
  if (cd == (iconv_t)-1) {
    printf("iconv_open(\"UTF-8\", \"ISO-8859-1\"): %s\n", strerror(errno));
    return 0;
  }
  puts("converter opened");
  iconv_close(cd);
  return 0;
}
