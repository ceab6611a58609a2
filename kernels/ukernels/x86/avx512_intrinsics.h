// The AVX-512 intrinsics the generated AVX-512 kernels use: the compiler's own
// (<immintrin.h>, built with -mavx512f -mavx512vl), or, for testing on a CPU
// without AVX-512, the same names emulated on AVX2 by SIMDe
// (-DXCONV_AVX512_VIA_SIMDE). The emulated build is linked into a test binary
// only, never into libxconv.a.
#ifndef XCONV_KERNELS_UKERNELS_X86_AVX512_INTRINSICS_H_
#define XCONV_KERNELS_UKERNELS_X86_AVX512_INTRINSICS_H_

#if defined(XCONV_AVX512_VIA_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include "kernels/ukernels/x86/simde_shim.h"
#else
#include <immintrin.h>
#endif

#endif  // XCONV_KERNELS_UKERNELS_X86_AVX512_INTRINSICS_H_
