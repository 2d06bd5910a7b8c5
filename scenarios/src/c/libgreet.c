/* libgreet: the shared library greet needs. */
const char *greeting(void) { return "hello from libgreet"; }
