// What the running CPU (and its OS) can execute, detected once.
//
// An instruction set counts only if the OS saves its register state too:
// CPUID says what the core has, XGETBV(XCR0) says which of YMM/ZMM state the
// kernel saves on a context switch. Both must agree before AVX code may run.
#ifndef XCONV_KERNELS_FRAME_CPU_H_
#define XCONV_KERNELS_FRAME_CPU_H_

#include <cstddef>
#include <string>

namespace xconv {

struct CpuFeatures {
  bool sse42_aes_pclmul = false;  // x86: what Highway's SSE4 target requires
  bool avx2_fma = false;          // x86: AVX2 + FMA3, YMM state enabled by the OS
  bool avx512f_vl = false;        // x86: AVX-512 F + VL, ZMM/opmask state enabled
  bool neon = false;              // AArch64: Advanced SIMD is architectural
  // What Highway's static targets require, for the packers built for them:
  bool hwy_avx2 = false;  // AVX2 target: avx2_fma + BMI2 + F16C + AES + CLMUL
  bool hwy_avx3 = false;  // AVX3 target: hwy_avx2 + AVX-512 F, VL, DQ, BW
};

// Detected on first call (thread-safe), then cached.
const CpuFeatures& cpu_features();

// Which CPU this is, as wisdom files name it (wisdom.h): tuned choices hold
// only for the same core, the same features and the same caches.
struct CpuIdentity {
  std::string vendor;        // CPUID's vendor string ("AuthenticAMD"); "arm", "other"
  int family = 0, model = 0;  // CPUID's display family and model; 0 elsewhere
  std::string features;      // the CpuFeatures fields set, comma-separated, or "none"
  size_t l1d = 0, l2 = 0, l3 = 0;  // data cache bytes per level (0: unknown)
};

const CpuIdentity& cpu_identity();

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_CPU_H_
