/* libv: version 1 defines v_one (VERS_1); version 2 adds v_two (VERS_2). */
const char *v_one(void) { return "one"; }
#ifdef WITH_TWO
const char *v_two(void) { return "two"; }
#endif
