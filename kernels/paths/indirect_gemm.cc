#include "kernels/paths/indirect_gemm.h"

#include <algorithm>

#include "kernels/paths/gemm_tasks.h"

namespace xconv {
namespace {

// Writes the tile's pointers: rows = min(MR, pixels left) valid rows from
// output pixel p0 (the batch is folded in: pixel = (n * out_h + oh) * out_w
// + ow), tap-major (rows[t * MR + i]); rows past the valid ones repeat the
// last valid row, so the kernel may read all MR.
void tile_pointers(const xconv_plan& p, const float* input, int64_t g, size_t p0, size_t rows, size_t MR,
                   const float** out) {
  const xconv_conv2d_desc& d = p.shape.d;
  const int64_t R = d.kernel_height, S = d.kernel_width, H = d.in_height, W = d.in_width, C = d.in_channels;
  const int64_t image_pixels = p.shape.out_h * p.shape.out_w;
  const float* zero = p.zero_row.data();
  for (size_t i = 0; i < rows; ++i) {
    const int64_t pixel = static_cast<int64_t>(p0 + i);
    const int64_t n = pixel / image_pixels, oh = pixel % image_pixels / p.shape.out_w, ow = pixel % p.shape.out_w;
    const float* group_image = input + n * H * W * C + g * p.shape.group_in;
    const int64_t ih0 = oh * d.stride_height - d.pad_top, iw0 = ow * d.stride_width - d.pad_left;
    const float** row = out + i;
    for (int64_t r = 0; r < R; ++r) {
      const int64_t ih = ih0 + r * d.dilation_height;
      const bool row_inside = ih >= 0 && ih < H;
      for (int64_t s = 0; s < S; ++s, row += MR) {
        const int64_t iw = iw0 + s * d.dilation_width;
        *row = row_inside && iw >= 0 && iw < W ? group_image + (ih * W + iw) * C : zero;
      }
    }
  }
  const size_t taps = static_cast<size_t>(R * S);
  for (size_t t = 0; t < taps; ++t) {
    for (size_t i = rows; i < MR; ++i) out[t * MR + i] = out[t * MR + rows - 1];
  }
}

}  // namespace

size_t indirect_gemm_workspace_floats(const ConvShape& s, size_t mr) {
  const size_t pointers = static_cast<size_t>(s.d.kernel_height * s.d.kernel_width) * mr;
  return (pointers * sizeof(const float*) + sizeof(float) - 1) / sizeof(float);
}

// C[pixel][out channel] = sum over taps and channels of x[pointer][c] * W^T.
void indirect_gemm_task(const xconv_plan& p, const float* input, float* output, float* scratch, size_t task) {
  const TaskRange t = decompose_task(p, task);
  const ConvShape& s = p.shape;
  const KernelInfo& k = *p.choice.kernel;
  const size_t MR = k.mr, NR = k.nr, ldc = static_cast<size_t>(s.d.out_channels);
  const size_t taps = static_cast<size_t>(s.d.kernel_height * s.d.kernel_width);
  const size_t channels = static_cast<size_t>(s.group_in);
  float* group_out = output + t.g * s.group_out;  // the batch is folded into the pixels
  const float** pointers = reinterpret_cast<const float**>(scratch);
  xconv_epilogue ep{nullptr, nullptr, s.d.output_min, s.d.output_max, 0, 1};

  for (size_t jc = t.out_begin; jc < t.out_end; jc += p.nc) {
    const size_t jc_end = std::min(t.out_end, jc + p.nc);
    for (size_t ir = t.pixel_begin; ir < t.pixel_end; ir += MR) {
      const size_t rows = std::min(MR, t.pixel_end - ir);
      tile_pointers(p, input, t.g, ir, rows, MR, pointers);
      for (size_t jr = jc; jr < jc_end; jr += NR) {
        ep.bias_col = bias_for(p, t.g, jr);
        k.igemm(rows, std::min(NR, jc_end - jr), channels, taps, pointers, weight_panel(p, t.g, 0, jr),
                group_out + ir * ldc + jr, ldc, &ep);
      }
    }
  }
}

}  // namespace xconv
