// The image packers for Highway's SSE4 target (x86, built with -msse4.2 -maes -mpclmul).
#include "kernels/pack/image_pack-inl.h"

namespace xconv {

void pack_columns_nchw_sse4(const ConvShape& s, const float* group_image, size_t j0, size_t ncols, size_t k0,
                          size_t kc, size_t nr, float* dst) {
  HWY_STATIC_DISPATCH(PackColumnsNchw)(s, group_image, j0, ncols, k0, kc, nr, dst);
}

void pack_rows_nhwc_sse4(const ConvShape& s, const float* image, int64_t g, size_t i0, size_t nrows, size_t k0,
                       size_t kc, size_t mr, float* dst) {
  HWY_STATIC_DISPATCH(PackRowsNhwc)(s, image, g, i0, nrows, k0, kc, mr, dst);
}

}  // namespace xconv
