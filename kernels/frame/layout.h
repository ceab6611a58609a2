// Element offsets of the input, output and weight tensors in each layout.
// Shared by the scalar reference and the plan's weight packing so that both
// read the caller's tensors the same way.
#ifndef XCONV_KERNELS_FRAME_LAYOUT_H_
#define XCONV_KERNELS_FRAME_LAYOUT_H_

#include <cstddef>
#include <cstdint>

#include "xconv/xconv.h"

namespace xconv {

// Offset of activation element (n, c, h, w) in a C x H x W image batch.
inline size_t activation_offset(xconv_layout layout, int64_t n, int64_t c, int64_t h, int64_t w,
                                int64_t channels, int64_t height, int64_t width) {
  const int64_t off = layout == XCONV_LAYOUT_NCHW
                          ? ((n * channels + c) * height + h) * width + w
                          : ((n * height + h) * width + w) * channels + c;
  return static_cast<size_t>(off);
}

// Offset of weight (o, i, r, s): output channel o, input channel i within its
// group (of group_in), kernel row r and column s.
inline size_t weight_offset(xconv_weight_layout layout, int64_t o, int64_t i, int64_t r, int64_t s,
                            int64_t out_channels, int64_t group_in, int64_t kh, int64_t kw) {
  int64_t off = 0;
  switch (layout) {
    case XCONV_WEIGHTS_OIHW: off = ((o * group_in + i) * kh + r) * kw + s; break;
    case XCONV_WEIGHTS_OHWI: off = ((o * kh + r) * kw + s) * group_in + i; break;
    case XCONV_WEIGHTS_HWIO: off = ((r * kw + s) * group_in + i) * out_channels + o; break;
  }
  return static_cast<size_t>(off);
}

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_LAYOUT_H_
