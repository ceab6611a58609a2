/* Two engines in one process: the impostor (exporting its own xconv_*) is
 * linked first, then an engine linking the static libxconv. That engine
 * must still call its own xconv, and must export none of it. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

const char* impostor_engine(void);
const char* xconv_engine(void);

int main(void) {
  const char* mine = xconv_engine();
  printf("impostor engine: %s; xconv engine: %s\n", impostor_engine(), mine);
  if (strcmp(mine, XCONV_VERSION_EXPECTED) != 0) {
    fprintf(stderr, "the engine's xconv calls went to another copy: got \"%s\", want \"%s\"\n", mine,
            XCONV_VERSION_EXPECTED);
    return 1;
  }
  void* engine = dlopen(ENGINE_PATH, RTLD_NOW | RTLD_NOLOAD);
  if (engine == NULL) {
    fprintf(stderr, "cannot find the loaded engine %s\n", ENGINE_PATH);
    return 1;
  }
  if (dlsym(engine, "xconv_plan_create") != NULL || dlsym(engine, "xconv_version") != NULL) {
    fprintf(stderr, "the engine exports xconv's API\n");
    return 1;
  }
  printf("two engines: ok\n");
  return 0;
}
