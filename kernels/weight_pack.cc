#include "kernels/weight_pack.h"

#include "kernels/layout.h"

namespace xconv {

void pack_weights(xconv_plan* plan, const float* weights) {
  const ConvShape& s = plan->shape;
  const xconv_conv2d_desc& d = s.d;
  const size_t K = static_cast<size_t>(s.gemm_k);
  const size_t tile = plan->weight_tile;
  const size_t padded = plan->group_out_padded;
  const int64_t R = d.kernel_height, S = d.kernel_width, Cg = s.group_in;
  float* dst = plan->packed_weights.data();

  for (int64_t g = 0; g < d.groups; ++g) {
    for (size_t pc = 0; pc < K; pc += plan->kc) {
      const size_t kcb = K - pc < plan->kc ? K - pc : plan->kc;
      for (size_t t0 = 0; t0 < padded; t0 += tile) {
        for (size_t kk = 0; kk < kcb; ++kk) {
          // Decompose k into (input channel i, kernel row r, kernel column s)
          // in the k order of this orientation (plan.h).
          const int64_t k = static_cast<int64_t>(pc + kk);
          int64_t i, r, c;
          if (plan->weights_are_a) {
            i = k / (R * S), r = k / S % R, c = k % S;
          } else {
            i = k % Cg, r = k / Cg / S, c = k / Cg % S;
          }
          for (size_t ii = 0; ii < tile; ++ii) {
            const int64_t o = static_cast<int64_t>(t0 + ii);
            *dst++ = o < s.group_out
                         ? weights[weight_offset(d.weight_layout, g * s.group_out + o, i, r, c,
                                                 d.out_channels, Cg, R, S)]
                         : 0.0f;
          }
        }
      }
    }
  }
}

void pack_bias(xconv_plan* plan, const float* bias) {
  const ConvShape& s = plan->shape;
  float* dst = plan->packed_bias.data();
  for (int64_t g = 0; g < s.d.groups; ++g) {
    for (size_t o = 0; o < plan->group_out_padded; ++o) {
      *dst++ = static_cast<int64_t>(o) < s.group_out ? bias[g * s.group_out + o] : 0.0f;
    }
  }
}

void pack_depthwise_weights(xconv_plan* plan, const float* weights) {
  const xconv_conv2d_desc& d = plan->shape.d;
  const int64_t K = d.out_channels, R = d.kernel_height, S = d.kernel_width;
  float* dst = plan->packed_weights.data();
  for (int64_t o = 0; o < K; ++o) {
    for (int64_t r = 0; r < R; ++r) {
      for (int64_t s = 0; s < S; ++s) {
        const size_t at = d.layout == XCONV_LAYOUT_NCHW ? (o * R + r) * S + s : (r * S + s) * K + o;
        dst[at] = weights[weight_offset(d.weight_layout, o, 0, r, s, K, 1, R, S)];
      }
    }
  }
}

}  // namespace xconv
