#include "kernels/frame/denormals.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace xconv {
namespace {

#if defined(__x86_64__) || defined(__i386__)
constexpr unsigned kFlushBits = 0x8040;  // MXCSR FTZ (bit 15) | DAZ (bit 6)
unsigned long long read_mode() { return _mm_getcsr(); }
void write_mode(unsigned long long mode) { _mm_setcsr(static_cast<unsigned>(mode)); }
#elif defined(__aarch64__)
constexpr unsigned long long kFlushBits = 1ull << 24;  // FPCR.FZ
unsigned long long read_mode() {
  unsigned long long fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  return fpcr;
}
void write_mode(unsigned long long mode) { __asm__ volatile("msr fpcr, %0" : : "r"(mode)); }
#else
constexpr unsigned long long kFlushBits = 0;
unsigned long long read_mode() { return 0; }
void write_mode(unsigned long long) {}
#endif

}  // namespace

ScopedFlushDenormals::ScopedFlushDenormals(bool enable) : enabled_(enable) {
  if (!enabled_) return;
  saved_ = read_mode();
  write_mode(saved_ | kFlushBits);
}

// Only the flush bits go back: status flags the run raised (x86 keeps sticky
// exception flags in MXCSR) stay, as they would without the scope.
ScopedFlushDenormals::~ScopedFlushDenormals() {
  if (enabled_) write_mode((read_mode() & ~kFlushBits) | (saved_ & kFlushBits));
}

}  // namespace xconv
