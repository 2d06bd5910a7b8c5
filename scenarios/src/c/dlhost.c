/* dlhost: loads the module named by its argument with dlopen(RTLD_NOW), as an interpreter
 * loads a native extension, calls plugin_greet, and prints the loader's own error (dlerror)
 * when the module cannot be loaded. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *module = dlopen(argv[1], RTLD_NOW);
  if (module == NULL) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  const char *(*greet)(const char *, size_t) =
      (const char *(*)(const char *, size_t))dlsym(module, "plugin_greet");
  if (greet == NULL) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  printf("loaded %s: %s\n", argv[1], greet("plugin", 7));
  return 0;
}
