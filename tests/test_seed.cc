#include "tests/test_seed.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace xconv::test {

uint64_t base_seed() {
  static const uint64_t seed = [] {
    const char* env = std::getenv("XCONV_TEST_SEED");
    const uint64_t s = env ? std::strtoull(env, nullptr, 0) : std::random_device{}();
    std::printf("xconv tests: base seed %" PRIu64 " (set XCONV_TEST_SEED=%" PRIu64 " to repeat)\n", s, s);
    return s;
  }();
  return seed;
}

}  // namespace xconv::test
