/* Another engine, carrying a different xconv built the old way: its
 * xconv_* functions are exported. Loaded first, it would interpose them on
 * every library that calls xconv_* through the dynamic linker. */
__attribute__((visibility("default"))) const char* xconv_version(void) { return "impostor 9.9.9"; }
__attribute__((visibility("default"))) int xconv_conv2d(void) { return 4; /* XCONV_INTERNAL_ERROR */ }
__attribute__((visibility("default"))) const char* impostor_engine(void) { return xconv_version(); }
