/* One source for every test library: NAME is the function it exports, CALLS the one it uses. */
#ifdef CALLS
const char *CALLS(void);
const char *NAME(void) { return CALLS(); }
#else
const char *NAME(void) { return "ok"; }
#endif
