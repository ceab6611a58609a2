// The packer entry points of each Highway target built here, by target.
#include "kernels/pack/image_pack.h"

namespace xconv {

#define XCONV_DECLARE_PACKERS(name, enumerator)                                                             \
  void pack_columns_nchw_##name(const ConvShape&, const float*, size_t, size_t, size_t, size_t, size_t,     \
                                float*);                                                                     \
  void pack_rows_nhwc_##name(const ConvShape&, const float*, int64_t, size_t, size_t, size_t, size_t, size_t, \
                             float*);
XCONV_HWY_TARGETS(XCONV_DECLARE_PACKERS)
#undef XCONV_DECLARE_PACKERS

const ImagePackers* image_packers(HwyTarget target) {
  switch (target) {
#define XCONV_PACKERS_CASE(name, enumerator)                                                  \
  case HwyTarget::enumerator: {                                                               \
    static const ImagePackers packers{pack_columns_nchw_##name, pack_rows_nhwc_##name, #name}; \
    return &packers;                                                                          \
  }
    XCONV_HWY_TARGETS(XCONV_PACKERS_CASE)
#undef XCONV_PACKERS_CASE
    default: return nullptr;
  }
}

}  // namespace xconv
