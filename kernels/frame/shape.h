// A validated convolution descriptor and the sizes derived from it.
//
// Validation happens before any buffer is touched: every size must be
// positive (the batch may be 0) and at most 2^31-1, padding non-negative, channels divisible by
// groups, the dilated kernel no larger than the padded input, and every
// tensor's element and byte counts must fit in size_t (checked multiplies).
#ifndef XCONV_KERNELS_FRAME_SHAPE_H_
#define XCONV_KERNELS_FRAME_SHAPE_H_

#include <cstddef>
#include <cstdint>

#include "kernels/frame/layout.h"
#include "xconv/xconv.h"

namespace xconv {

struct ConvShape {
  xconv_conv2d_desc d;
  int64_t out_h = 0, out_w = 0;
  int64_t group_in = 0;   // input channels per group (C/g)
  int64_t group_out = 0;  // output channels per group (K/g)
  int64_t gemm_k = 0;     // C/g * R * S: the GEMM's reduction depth
  size_t input_elems = 0, output_elems = 0, weight_elems = 0;  // elements (the gaps of strides not counted)
  // The tensors' strides resolved (0 in the descriptor: dense), and the
  // floats each spans from its first element to one past its last.
  TensorGeometry in, out;
  size_t input_span = 0, output_span = 0;
  // The tensors seen as NHWC, as the indirect path reads them: the strides
  // between pixels. NHWC: in.stride and out.stride. NCHW of one-pixel images
  // whose channel planes are adjacent (stride 1): the same bytes as NHWC,
  // each image one pixel, so the image strides. Otherwise 0: no such view.
  int64_t in_pixel_stride = 0, out_pixel_stride = 0;
  // Whether the output's images follow each other with no gap in that view,
  // so that the pixels of all images are one sequence out_pixel_stride apart.
  bool out_images_contiguous = false;
};

// Fills *shape from *desc, or records a message naming the bad field and
// returns XCONV_INVALID_ARGUMENT. `who` prefixes the message (the API call).
xconv_status validate_desc(const char* who, const xconv_conv2d_desc* desc, ConvShape* shape);

// The same, for planning and packing: a batch of 0 (an empty tensor, whose
// runs do nothing) gives the shape of one image.
xconv_status validate_desc_for_planning(const char* who, const xconv_conv2d_desc* desc, ConvShape* shape);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_SHAPE_H_
