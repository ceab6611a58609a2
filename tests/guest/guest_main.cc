// main() of the AVX-512 guest test binary. Under Bochs it is PID 1 of a tiny
// Linux guest: it runs the tests in a child (if PID 1 exited, the kernel would
// panic and the console output would be lost), prints one result line that
// scripts/run-in-bochs.sh looks for, flushes the console and powers off.
// Run as an ordinary process it just runs the tests.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace {

// What the guest runs: the kernel sweep (trimmed, without the tuning
// variants) and the conv tests with AVX-512 forced, plus the check that
// dispatch picks AVX-512 by itself.
constexpr const char* kGuestFilter = "Guest.*:Conv/EveryIsa.*/avx512:Conv/Depthwise.*/avx512:Kernels/EveryKernel.*avx512f*";

int run_tests(int argc, char** argv) {
  setenv("XCONV_TEST_QUICK", "1", 0);
  setenv("XCONV_TEST_SKIP_VARIANTS", "1", 0);
  ::testing::InitGoogleTest(&argc, argv);
  if (::testing::GTEST_FLAG(filter) == "*") ::testing::GTEST_FLAG(filter) = kGuestFilter;
  return RUN_ALL_TESTS();
}

}  // namespace

int main(int argc, char** argv) {
  if (getpid() != 1) return run_tests(argc, argv);

  const int console = open("/dev/console", O_RDWR);
  if (console >= 0) {
    dup2(console, 0), dup2(console, 1), dup2(console, 2);
  }
  setvbuf(stdout, nullptr, _IONBF, 0);
  const pid_t child = fork();
  if (child == 0) {
    const int rc = run_tests(argc, argv);
    std::fflush(stdout);
    tcdrain(1);
    _exit(rc);
  }
  int status = 0;
  waitpid(child, &status, 0);
  std::printf("\nXCONV_GUEST_DONE exited=%d code=%d signal=%d\n", WIFEXITED(status),
              WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  tcdrain(1);
  sleep(1);
  reboot(RB_POWER_OFF);
  for (;;) pause();
}
