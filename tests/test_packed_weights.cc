// The packed-weight layouts (kernels/pack/packed_weights.h) against the
// packer: every weight lands where the layout says, the padding is zero, no
// float of the packed buffer is left unwritten, and the panels the GEMM path
// hands to a micro-kernel (panel_offset + kk * tile + ii) are the same
// places. Random shapes in both activation layouts and all weight layouts.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/frame/layout.h"
#include "kernels/frame/shape.h"
#include "kernels/pack/packed_weights.h"
#include "kernels/pack/weight_pack.h"
#include "tests/test_seed.h"

namespace xconv::test {
namespace {

ConvShape random_shape(std::mt19937_64& rng, bool depthwise) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.layout = pick(0, 1) ? XCONV_LAYOUT_NHWC : XCONV_LAYOUT_NCHW;
  d.weight_layout = static_cast<xconv_weight_layout>(pick(0, 2));
  d.groups = depthwise ? pick(1, 9) : pick(1, 3);
  d.in_channels = d.groups * (depthwise ? 1 : pick(1, 9));
  d.out_channels = d.groups * pick(1, 13);
  d.batch = 1;
  d.kernel_height = pick(1, 4);
  d.kernel_width = pick(1, 4);
  d.in_height = d.kernel_height + pick(0, 3);
  d.in_width = d.kernel_width + pick(0, 3);
  ConvShape s;
  EXPECT_EQ(validate_desc("test", &d, &s), XCONV_OK);
  return s;
}

std::vector<float> distinct_weights(size_t n) {
  std::vector<float> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = static_cast<float>(i + 1);  // all distinct, none zero
  return w;
}

TEST(PackedWeights, GemmLayoutIsWhereThePackerWrites) {
  std::mt19937_64 rng(base_seed() ^ 0x9acc);
  for (int trial = 0; trial < 300; ++trial) {
    const ConvShape s = random_shape(rng, false);
    const xconv_conv2d_desc& d = s.d;
    PackedWeightsLayout layout;
    layout.tile = std::uniform_int_distribution<size_t>(1, 16)(rng);
    layout.group_out_padded = (static_cast<size_t>(s.group_out) + layout.tile - 1) / layout.tile * layout.tile;
    layout.gemm_k = static_cast<size_t>(s.gemm_k);
    layout.kc = std::uniform_int_distribution<size_t>(1, layout.gemm_k + 2)(rng);
    const size_t groups = static_cast<size_t>(d.groups);
    const std::vector<float> weights = distinct_weights(s.weight_elems);
    std::vector<float> packed(layout.floats(groups), NAN);
    pack_gemm_weights(s, layout, weights.data(), packed.data());
    const bool nchw = d.layout == XCONV_LAYOUT_NCHW;
    for (size_t g = 0; g < groups; ++g) {
      for (size_t k = 0; k < layout.gemm_k; ++k) {
        const ReductionIndex x = decompose_k(nchw, static_cast<int64_t>(k), s.group_in, d.kernel_height,
                                             d.kernel_width);
        for (size_t o = 0; o < layout.group_out_padded; ++o) {
          const size_t at = layout.element_offset(g, k, o);
          ASSERT_LT(at, packed.size());
          // The micro-kernel's view: panel of the K block and tile, then k-major.
          const size_t pc = k / layout.kc * layout.kc, t0 = o / layout.tile * layout.tile;
          ASSERT_EQ(at, layout.panel_offset(g, pc, t0) + (k - pc) * layout.tile + (o - t0));
          const int64_t oc = static_cast<int64_t>(o);
          const float want = oc < s.group_out
                                 ? weights[weight_offset(d.weight_layout, static_cast<int64_t>(g) * s.group_out + oc,
                                                         x.c, x.r, x.s, d.out_channels, s.group_in, d.kernel_height,
                                                         d.kernel_width)]
                                 : 0.0f;
          ASSERT_EQ(packed[at], want) << "trial " << trial << " g " << g << " k " << k << " o " << o;
        }
      }
    }
    for (float v : packed) ASSERT_FALSE(std::isnan(v)) << "a packed float was not written, trial " << trial;
  }
}

TEST(PackedWeights, DirectLayoutIsWhereThePackerWrites) {
  std::mt19937_64 rng(base_seed() ^ 0xd3e7);
  for (int trial = 0; trial < 200; ++trial) {
    const ConvShape s = random_shape(rng, trial % 2 == 0);  // depthwise, then grouped
    const xconv_conv2d_desc& d = s.d;
    const std::vector<float> weights = distinct_weights(s.weight_elems);
    std::vector<float> packed(s.weight_elems, NAN);
    // NHWC blocks: all the output channels (depthwise) or a vector's (grouped).
    const int64_t lanes = int64_t{2} << (trial / 2) % 4;  // 2, 4, 8, 16
    const int64_t block = d.out_channels % lanes == 0 && trial % 3 != 0 ? lanes : d.out_channels;
    pack_direct_weights(s, block, weights.data(), packed.data());
    const bool nchw = d.layout == XCONV_LAYOUT_NCHW;
    for (int64_t o = 0; o < d.out_channels; ++o) {
      for (int64_t i = 0; i < s.group_in; ++i) {
        for (int64_t r = 0; r < d.kernel_height; ++r) {
          for (int64_t c = 0; c < d.kernel_width; ++c) {
            const size_t at =
                direct_weight_offset(nchw, o, i, r, c, s.group_in, d.kernel_height, d.kernel_width, block);
            ASSERT_LT(at, packed.size());
            ASSERT_EQ(packed[at], weights[weight_offset(d.weight_layout, o, i, r, c, d.out_channels, s.group_in,
                                                        d.kernel_height, d.kernel_width)]);
          }
        }
      }
    }
    for (float v : packed) ASSERT_FALSE(std::isnan(v)) << "a packed float was not written, trial " << trial;
  }
}

}  // namespace
}  // namespace xconv::test
