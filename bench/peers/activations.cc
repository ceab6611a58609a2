// Activation layout conversions for the peers and the checks (peer_conv.h).
#include <vector>

#include "bench/peers/peer_conv.h"

namespace xconv::bench {

Activations convert_activations(const float* src, int64_t n, int64_t c, int64_t h, int64_t w, bool to_nchw) {
  Activations out(static_cast<size_t>(n * c * h * w));
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t k = 0; k < c; ++k) {
      for (int64_t y = 0; y < h; ++y) {
        for (int64_t x = 0; x < w; ++x) {
          const size_t nchw = static_cast<size_t>(((b * c + k) * h + y) * w + x);
          const size_t nhwc = static_cast<size_t>(((b * h + y) * w + x) * c + k);
          if (to_nchw) {
            out[nchw] = src[nhwc];
          } else {
            out[nhwc] = src[nchw];
          }
        }
      }
    }
  }
  return out;
}

}  // namespace xconv::bench
