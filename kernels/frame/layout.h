// Element offsets of the input, output and weight tensors in each layout.
// Shared by the scalar reference and the plan's weight packing so that both
// read the caller's tensors the same way.
#ifndef XCONV_KERNELS_FRAME_LAYOUT_H_
#define XCONV_KERNELS_FRAME_LAYOUT_H_

#include <cstddef>
#include <cstdint>

#include "xconv/xconv.h"

namespace xconv {

// Where an activation tensor's elements are, all in floats: NCHW, channel
// planes `stride` apart, rows dense inside them; NHWC, pixels `stride` apart,
// channels dense inside them; images `image_stride` apart.
struct TensorGeometry {
  xconv_layout layout = XCONV_LAYOUT_NCHW;
  int64_t channels = 0, height = 0, width = 0;
  int64_t stride = 0, image_stride = 0;

  size_t offset(int64_t n, int64_t c, int64_t h, int64_t w) const {
    const int64_t inside = layout == XCONV_LAYOUT_NCHW ? c * stride + h * width + w : (h * width + w) * stride + c;
    return static_cast<size_t>(n * image_stride + inside);
  }
  // Floats from an image's first element to one past its last.
  int64_t image_span() const {
    return layout == XCONV_LAYOUT_NCHW ? (channels - 1) * stride + height * width
                                       : (height * width - 1) * stride + channels;
  }
  // The dense stride (the default).
  int64_t dense_stride() const { return layout == XCONV_LAYOUT_NCHW ? height * width : channels; }
  // Sets the strides, 0 meaning dense. The caller has validated them
  // (shape.cc): image_span() must not overflow.
  void resolve(int64_t pixel_or_plane, int64_t image) {
    stride = pixel_or_plane == 0 ? dense_stride() : pixel_or_plane;
    image_stride = image == 0 ? image_span() : image;
  }
};

// The input and output geometry of a valid descriptor (out_h x out_w output).
inline TensorGeometry input_geometry(const xconv_conv2d_desc& d) {
  TensorGeometry g{d.layout, d.in_channels, d.in_height, d.in_width, 0, 0};
  g.resolve(d.input_stride, d.input_image_stride);
  return g;
}
inline TensorGeometry output_geometry(const xconv_conv2d_desc& d, int64_t out_h, int64_t out_w) {
  TensorGeometry g{d.layout, d.out_channels, out_h, out_w, 0, 0};
  g.resolve(d.output_stride, d.output_image_stride);
  return g;
}

// Offset of activation element (n, c, h, w) in a dense C x H x W image batch.
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
