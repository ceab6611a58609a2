#include "kernels/frame/cpu.h"

#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace xconv {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// XGETBV is only valid when CPUID reports OSXSAVE; the caller checks that.
unsigned long long read_xcr0() {
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<unsigned long long>(hi) << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool sse42 = ecx & (1u << 20), aes = ecx & (1u << 25), pclmul = ecx & (1u << 1);
  const bool fma = ecx & (1u << 12), osxsave = ecx & (1u << 27), avx = ecx & (1u << 28);
  f.sse42_aes_pclmul = sse42 && aes && pclmul;
  if (!osxsave || !avx) return f;

  const unsigned long long xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;            // SSE + AVX state
  const bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0;  // opmask + ZMM_Hi256 + Hi16_ZMM
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 7) return f;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = ebx & (1u << 5), avx512f = ebx & (1u << 16), avx512vl = ebx & (1u << 31);
  const bool bmi2 = ebx & (1u << 8), avx512dq = ebx & (1u << 17), avx512bw = ebx & (1u << 30);
  f.avx2_fma = os_ymm && avx2 && fma;
  f.avx512f_vl = os_zmm && f.avx2_fma && avx512f && avx512vl;
  __cpuid(1, eax, ebx, ecx, edx);
  const bool f16c = ecx & (1u << 29);
  f.hwy_avx2 = f.avx2_fma && f.sse42_aes_pclmul && bmi2 && f16c;
  f.hwy_avx3 = f.hwy_avx2 && f.avx512f_vl && avx512dq && avx512bw;
  return f;
}
#elif defined(__aarch64__)
CpuFeatures detect() {
  CpuFeatures f;
  f.neon = true;  // mandatory in AArch64
  return f;
}
#else
CpuFeatures detect() { return CpuFeatures{}; }
#endif

#if defined(__x86_64__) || defined(__i386__)
void identify_core(CpuIdentity* id) {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return;
  const unsigned words[3] = {ebx, edx, ecx};  // the vendor string's order
  id->vendor.assign(reinterpret_cast<const char*>(words), sizeof words);
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return;
  const int base_family = (eax >> 8) & 0xf, base_model = (eax >> 4) & 0xf;
  id->family = base_family == 0xf ? base_family + static_cast<int>((eax >> 20) & 0xff) : base_family;
  id->model = base_family >= 6 ? base_model | static_cast<int>(((eax >> 16) & 0xf) << 4) : base_model;
}
#elif defined(__aarch64__)
void identify_core(CpuIdentity* id) { id->vendor = "arm"; }
#else
void identify_core(CpuIdentity* id) { id->vendor = "other"; }
#endif

size_t cache_bytes(int name) {
  const long bytes = sysconf(name);
  return bytes > 0 ? static_cast<size_t>(bytes) : 0;
}

CpuIdentity identify() {
  CpuIdentity id;
  identify_core(&id);
  const CpuFeatures& f = cpu_features();
  const struct { bool set; const char* name; } flags[] = {
      {f.sse42_aes_pclmul, "sse42_aes_pclmul"}, {f.avx2_fma, "avx2_fma"}, {f.avx512f_vl, "avx512f_vl"},
      {f.neon, "neon"}, {f.hwy_avx2, "hwy_avx2"}, {f.hwy_avx3, "hwy_avx3"}};
  for (const auto& flag : flags) {
    if (!flag.set) continue;
    if (!id.features.empty()) id.features += ',';
    id.features += flag.name;
  }
  if (id.features.empty()) id.features = "none";
  id.l1d = cache_bytes(_SC_LEVEL1_DCACHE_SIZE);
  id.l2 = cache_bytes(_SC_LEVEL2_CACHE_SIZE);
  id.l3 = cache_bytes(_SC_LEVEL3_CACHE_SIZE);
  return id;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

const CpuIdentity& cpu_identity() {
  static const CpuIdentity identity = identify();
  return identity;
}

}  // namespace xconv
