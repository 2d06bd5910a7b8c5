/* libmaybe: calls `nowhere`, which no library defines, but only when asked to. */
const char *nowhere(void);

const char *maybe(int call) { return call ? nowhere() : "nowhere() not called"; }
