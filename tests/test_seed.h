// The test run's base seed, shared by every randomized test.
#ifndef XCONV_TESTS_TEST_SEED_H_
#define XCONV_TESTS_TEST_SEED_H_

#include <cstdint>

namespace xconv::test {

// XCONV_TEST_SEED if set, else fresh from std::random_device; printed once so
// that any failure can be repeated.
uint64_t base_seed();

}  // namespace xconv::test

#endif  // XCONV_TESTS_TEST_SEED_H_
