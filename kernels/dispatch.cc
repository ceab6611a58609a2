#include "kernels/dispatch.h"

#include <cstdlib>
#include <cstring>

#include "kernels/cpu.h"
#include "kernels/error.h"
#include "kernels/raw_enum.h"

namespace xconv {
namespace {

const xconv_isa kChain[] = {XCONV_ISA_AVX512, XCONV_ISA_AVX2, XCONV_ISA_NEON, XCONV_ISA_HWY,
                            XCONV_ISA_SCALAR};

bool cpu_has(xconv_isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case XCONV_ISA_SCALAR: return true;
#if defined(__aarch64__)
    case XCONV_ISA_HWY: return true;  // Highway's NEON target: AArch64 baseline
#else
    case XCONV_ISA_HWY: return f.sse42_aes_pclmul;  // Highway's SSE4 target
#endif
    case XCONV_ISA_AVX2: return f.avx2_fma;
    case XCONV_ISA_AVX512: return f.avx512f_vl;
    case XCONV_ISA_NEON: return f.neon;
    default: return false;
  }
}

xconv_status isa_from_env(xconv_isa* isa) {
  const char* value = std::getenv("XCONV_ISA");
  *isa = XCONV_ISA_AUTO;
  if (value == nullptr || *value == '\0') return XCONV_OK;
  for (xconv_isa candidate : kChain) {
    if (std::strcmp(value, isa_name(candidate)) == 0) {
      *isa = candidate;
      return XCONV_OK;
    }
  }
  return fail(XCONV_INVALID_ARGUMENT,
              "XCONV_ISA=%s is not one of scalar, hwy, avx2, avx512, neon", value);
}

}  // namespace

const char* isa_name(int isa) {
  switch (isa) {
    case XCONV_ISA_AUTO: return "auto";
    case XCONV_ISA_SCALAR: return "scalar";
    case XCONV_ISA_HWY: return "hwy";
    case XCONV_ISA_AVX2: return "avx2";
    case XCONV_ISA_AVX512: return "avx512";
    case XCONV_ISA_NEON: return "neon";
  }
  return "unknown";
}

bool isa_runnable(xconv_isa isa) { return default_kernel(isa) != nullptr && cpu_has(isa); }

xconv_isa best_isa() {
  for (xconv_isa isa : kChain) {
    if (isa_runnable(isa)) return isa;
  }
  return XCONV_ISA_SCALAR;
}

xconv_status choose_kernel(const xconv_plan_options& options, const KernelInfo** out) {
  const int requested = raw_enum(options.isa);
  if (requested < XCONV_ISA_AUTO || requested > XCONV_ISA_NEON) {
    return fail(XCONV_INVALID_ARGUMENT, "xconv_plan_create: options.isa = %d is not an xconv_isa", requested);
  }
  xconv_isa isa = static_cast<xconv_isa>(requested);
  if (isa == XCONV_ISA_AUTO) {
    if (xconv_status s = isa_from_env(&isa); s != XCONV_OK) return s;
  }
  const KernelInfo* named = nullptr;
  if (options.kernel != nullptr) {
    named = find_kernel(options.kernel);
    if (named == nullptr) {
      return fail(XCONV_INVALID_ARGUMENT,
                  "xconv_plan_create: options.kernel '%s' is not a kernel of this library", options.kernel);
    }
    if (isa == XCONV_ISA_AUTO) isa = named->isa;  // a named kernel implies its ISA
    if (named->isa != isa) {
      return fail(XCONV_INVALID_ARGUMENT, "xconv_plan_create: options.kernel '%s' is not a '%s' kernel",
                  options.kernel, isa_name(isa));
    }
  }
  if (isa == XCONV_ISA_AUTO) isa = best_isa();
  if (default_kernel(isa) == nullptr) {
    return fail(XCONV_UNSUPPORTED, "xconv_plan_create: ISA '%s' is not built into this library",
                isa_name(isa));
  }
  if (!cpu_has(isa)) {
    return fail(XCONV_UNSUPPORTED,
                "xconv_plan_create: ISA '%s' was requested but this CPU (or its OS) does not support it",
                isa_name(isa));
  }
  *out = named ? named : default_kernel(isa);
  return XCONV_OK;
}

}  // namespace xconv
