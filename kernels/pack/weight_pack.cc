#include "kernels/pack/weight_pack.h"

#include "kernels/frame/layout.h"

namespace xconv {

void pack_gemm_weights(const ConvShape& s, const PackedWeightsLayout& layout, const float* weights, float* dst) {
  const xconv_conv2d_desc& d = s.d;
  const bool nchw = d.layout == XCONV_LAYOUT_NCHW;
  const int64_t R = d.kernel_height, S = d.kernel_width, Cg = s.group_in;
  for (int64_t g = 0; g < d.groups; ++g) {
    for (size_t k = 0; k < layout.gemm_k; ++k) {
      const ReductionIndex x = decompose_k(nchw, static_cast<int64_t>(k), Cg, R, S);
      for (size_t o = 0; o < layout.group_out_padded; ++o) {
        const int64_t oc = static_cast<int64_t>(o);
        dst[layout.element_offset(static_cast<size_t>(g), k, o)] =
            oc < s.group_out
                ? weights[weight_offset(d.weight_layout, g * s.group_out + oc, x.c, x.r, x.s, d.out_channels, Cg, R, S)]
                : 0.0f;
      }
    }
  }
}

void pack_gemm_bias(const ConvShape& s, const PackedWeightsLayout& layout, const float* bias, float* dst) {
  for (int64_t g = 0; g < s.d.groups; ++g) {
    for (size_t o = 0; o < layout.group_out_padded; ++o) {
      *dst++ = static_cast<int64_t>(o) < s.group_out ? bias[g * s.group_out + o] : 0.0f;
    }
  }
}

void pack_direct_weights(const ConvShape& s, int64_t block, const float* weights, float* dst) {
  const xconv_conv2d_desc& d = s.d;
  const int64_t K = d.out_channels, R = d.kernel_height, S = d.kernel_width, Cg = s.group_in;
  const bool nchw = d.layout == XCONV_LAYOUT_NCHW;
  for (int64_t o = 0; o < K; ++o) {
    for (int64_t i = 0; i < Cg; ++i) {
      for (int64_t r = 0; r < R; ++r) {
        for (int64_t c = 0; c < S; ++c) {
          dst[direct_weight_offset(nchw, o, i, r, c, Cg, R, S, block)] =
              weights[weight_offset(d.weight_layout, o, i, r, c, K, Cg, R, S)];
        }
      }
    }
  }
}

}  // namespace xconv
