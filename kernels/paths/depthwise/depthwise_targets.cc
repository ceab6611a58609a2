// The depthwise entry points of each Highway target they are built for, by target.
#include "kernels/paths/depthwise/depthwise.h"

namespace xconv {

#define XCONV_DECLARE_DEPTHWISE(name, enumerator)                          \
  void depthwise_nchw_##name(const DepthwiseJob&, const float*, float*, size_t); \
  void depthwise_nhwc_##name(const DepthwiseJob&, const float*, float*, size_t);
XCONV_DEPTHWISE_TARGETS(XCONV_DECLARE_DEPTHWISE)
#undef XCONV_DECLARE_DEPTHWISE

DepthwiseFn depthwise_loops(HwyTarget target, bool nchw) {
  switch (target) {
#define XCONV_DEPTHWISE_CASE(name, enumerator) \
  case HwyTarget::enumerator: return nchw ? depthwise_nchw_##name : depthwise_nhwc_##name;
    XCONV_DEPTHWISE_TARGETS(XCONV_DEPTHWISE_CASE)
#undef XCONV_DEPTHWISE_CASE
    default: (void)nchw; return nullptr;
  }
}

}  // namespace xconv
