// im2col fused into packing: the image side of the GEMM is packed straight
// from the input tensor, one cache-sized panel at a time, zero-padded to whole
// tiles. The full im2col matrix is never built.
//
// The packers are written once with Highway (image_pack-inl.h) and compiled
// for each Highway target of gen/isas.py (image_pack_<target>.cc): the
// baseline (scalar on x86, NEON on Arm), and on x86 SSE4, AVX2 and AVX3.
#ifndef XCONV_KERNELS_PACK_IMAGE_PACK_H_
#define XCONV_KERNELS_PACK_IMAGE_PACK_H_

#include <cstddef>
#include <cstdint>

#include "kernels/frame/shape.h"
#include "kernels/ukernels/gen/isa_table.h"
#include "kernels/ukernels/gen/kernels.h"
#include "xconv/xconv.h"

namespace xconv {

// Largest tile width the packers handle: the widest kernel of the list.
constexpr size_t kMaxTile = XCONV_MAX_TILE;

struct ImagePackers {
  // NCHW, image as B: columns [j0, j0 + ncols) (output pixels) and rows
  // [k0, k0 + kc) of one group's im2col matrix, k = (c, r, s) with s fastest.
  // `group_image` points at the group's first channel of one image. Writes
  // ceil(ncols / nr) tiles: dst[t * nr * kc + kk * nr + jj].
  void (*columns_nchw)(const ConvShape& s, const float* group_image, size_t j0, size_t ncols, size_t k0,
                       size_t kc, size_t nr, float* dst);
  // NHWC, image as A: rows [i0, i0 + nrows) (output pixels) and columns
  // [k0, k0 + kc) of group g's im2col matrix, k = (r, s, c) with c fastest.
  // `image` points at one image. Writes ceil(nrows / mr) tiles:
  // dst[t * mr * kc + kk * mr + ii].
  void (*rows_nhwc)(const ConvShape& s, const float* image, int64_t g, size_t i0, size_t nrows, size_t k0,
                    size_t kc, size_t mr, float* dst);
  const char* target;  // Highway target name, for the plan's description
};

// The packers compiled for a Highway target, or nullptr when that target is
// not built here. Which target a plan uses is chosen in kernels/frame/choose.cc.
const ImagePackers* image_packers(HwyTarget target);

}  // namespace xconv

#endif  // XCONV_KERNELS_PACK_IMAGE_PACK_H_
