// Which packers a plan uses: the widest Highway target that the kernel's ISA
// and the CPU allow (each needs exactly what cpu.h checks), the baseline
// otherwise. On Arm the baseline is Highway's NEON target.
#include "kernels/cpu.h"
#include "kernels/pack/image_pack.h"

namespace xconv {

const ImagePackers& image_packers_for(xconv_isa isa) {
  static const ImagePackers baseline{pack_columns_nchw_baseline, pack_rows_nhwc_baseline,
#if defined(__aarch64__)
                                     "neon"};
#else
                                     "scalar"};
#endif
#if defined(__x86_64__)
  static const ImagePackers sse4{pack_columns_nchw_sse4, pack_rows_nhwc_sse4, "sse4"};
  static const ImagePackers avx2{pack_columns_nchw_avx2, pack_rows_nhwc_avx2, "avx2"};
  static const ImagePackers avx3{pack_columns_nchw_avx3, pack_rows_nhwc_avx3, "avx3"};
  const CpuFeatures& f = cpu_features();
  if (isa == XCONV_ISA_AVX512 && f.hwy_avx3) return avx3;
  if ((isa == XCONV_ISA_AVX512 || isa == XCONV_ISA_AVX2) && f.hwy_avx2) return avx2;
  if (isa != XCONV_ISA_SCALAR && f.sse42_aes_pclmul) return sse4;
#else
  (void)isa;
#endif
  return baseline;
}

}  // namespace xconv
