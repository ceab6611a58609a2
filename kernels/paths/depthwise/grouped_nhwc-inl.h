// The grouped direct loops over NHWC images (see depthwise.h,
// grouped_direct_fits): layers with many groups of a few channels, a vector
// of output channels spanning whole groups. Written once with Highway.
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_GROUPED_NHWC_INL_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_GROUPED_NHWC_INL_H_

#include <stdint.h>

#include <hwy/highway.h>

#include "kernels/paths/depthwise/depthwise_shared-inl.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Grouped NHWC (depthwise.h, grouped_direct_fits): one vector covers output
// channels [o0, o0 + lanes), lanes / group_out whole groups. Lane l needs
// input channel (l / group_out) * group_in + i of the vector loaded from the
// groups' first input channel: a fixed permutation per i, built once a task.
template <class D>
using LaneIndices = decltype(hn::SetTableIndices(D(), static_cast<const int32_t*>(nullptr)));

// The weights of output channels [o0, o0 + a vector): packed by vectors
// (packed_weights.h, direct_weight_offset), (r, s, i) then the lanes.
HWY_INLINE const float* group_weights(const DepthwiseJob& j, int64_t o0) {
  return j.weights + o0 * j.kh * j.kw * j.group_in;
}

template <int kPixels, bool kInterior, class D>
HWY_INLINE void grouped_block(const DepthwiseJob& j, const LaneIndices<D>* lane_of, const float* image, int64_t oh,
                              int64_t ow0, int64_t o0, float* y_row, const float* r_row) {
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), Cg = j.group_in;
  const int64_t in0 = o0 / j.multiplier * Cg;  // the first input channel these outputs read
  hn::Vec<D> tile[1][kPixels];
  hn::Vec<D>(&acc)[kPixels] = tile[0];
  start_pixels(d, j, o0, r_row ? r_row + ow0 * j.out_stride : nullptr, hn::Lanes(d), tile);
  for (int64_t r = 0; r < j.kh; ++r) {
    const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
    const bool row_inside = kInterior || (ih >= 0 && ih < j.in_h);
    for (int64_t s = 0; s < j.kw; ++s) {
      hn::Vec<D> x[kPixels];
      for (int p = 0; p < kPixels; ++p) {
        const int64_t iw = (ow0 + p) * j.stride_w - j.pad_left + s * j.dilation_w;
        const bool inside = kInterior || (row_inside && iw >= 0 && iw < j.in_w);
        x[p] = inside ? load_channels(d, image + (ih * j.in_w + iw) * j.in_stride + in0, j.channels - in0)
                      : hn::Zero(d);
      }
      const float* w = group_weights(j, o0) + (r * j.kw + s) * Cg * lanes;
      for (int64_t i = 0; i < Cg; ++i) {
        const auto wv = hn::LoadU(d, w + i * lanes);
        for (int p = 0; p < kPixels; ++p) acc[p] = hn::MulAdd(wv, hn::TableLookupLanes(x[p], lane_of[i]), acc[p]);
      }
    }
  }
  store_pixels(d, j, o0, tile, y_row + ow0 * j.out_stride);
}

// Pixels per grouped_columns tile: accumulators, a column and its
// permutation in registers (the weights are FMA memory operands), within
// AVX2's 16 and the other targets' 32; multiples of 7 like the images.
constexpr int kGroupedPixels = HWY_TARGET == HWY_AVX2 ? 7 : 14;

// Where every group has as many outputs as inputs (ResNeXt's), the lanes
// that need channel i of their group's input find it in their own 128-bit
// block (groups of 2 and 4) or in their 256-bit half (groups of 8), so on
// x86 immediate shuffles replace TableLookupLanes, whose index vectors took
// group_in registers: with them GCC kept some accumulators of the 14-pixel
// AVX-512 tiles on the stack. Measured against the lookups (processes of
// the two builds alternating, 3 rounds): resnext_s3_3x3_g32_256 1.08-1.09x
// on AVX-512 (1 and 2 threads) and 1.08-1.11x on AVX2;
// resnext_s2_3x3_g32_128 0.96-1.03x on AVX-512 and 1.08x on AVX2.
constexpr bool kSquareGroupShuffles = HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2;

// Channel kI of each lane's group from the groups' input vector x.
template <int kGroupIn, int kI, class V>
HWY_INLINE V square_group_channel(V x) {
  constexpr int lo = kI % 4, hi = kI / 4;
  constexpr int in_block = kGroupIn == 2 ? (kI | kI << 2 | (2 + kI) << 4 | (2 + kI) << 6) : lo * 0x55;
#if HWY_TARGET == HWY_AVX3
  x.raw = _mm512_permute_ps(x.raw, in_block);
  if (kGroupIn == 8) x.raw = _mm512_shuffle_f32x4(x.raw, x.raw, hi | hi << 2 | (2 + hi) << 4 | (2 + hi) << 6);
#elif HWY_TARGET == HWY_AVX2
  x.raw = _mm256_permute_ps(x.raw, in_block);
  if (kGroupIn == 8) x.raw = _mm256_permute2f128_ps(x.raw, x.raw, hi | hi << 4);
#endif
  return x;
}

// The same for a channel i known once the loops unroll (kI: the first
// channel this call can still be).
template <int kGroupIn, int kI = 0, class V>
HWY_INLINE V square_group_channel(V x, int i) {
  if constexpr (kI + 1 < kGroupIn) {
    if (i != kI) return square_group_channel<kGroupIn, kI + 1>(x, i);
  }
  return square_group_channel<kGroupIn, kI>(x);
}

// kPixels output pixels of row oh from ow0 for a 3-wide kernel at stride 1
// (dilation 1 in width): the form of nhwc_tile for groups. Each input
// column of a kernel row is loaded and permuted once per input channel i,
// then multiplied by every tap that reads it, where grouped_block permutes
// it again for each of the three; the permutations, not the FMAs, bound
// these layers. Each output's chain still runs r, s, i in order: the bits
// of grouped_block. The input channels are a template argument so that
// every loop unrolls: with a runtime channel loop inside, GCC kept the
// accumulators in memory and the tiles ran at 0.56-0.81x grouped_block.
template <int kPixels, int kGroupIn, bool kSquare, class D>
HWY_INLINE void grouped_columns(const DepthwiseJob& j, const LaneIndices<D>* lane_of, const float* image, int64_t oh,
                                int64_t ow0, int64_t o0, float* y_row, const float* r_row) {
  constexpr int kKw = 3, kCols = kPixels + kKw - 1;
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), in0 = o0 / j.multiplier * kGroupIn;
  hn::Vec<D> tile[1][kPixels];
  hn::Vec<D>(&acc)[kPixels] = tile[0];
  start_pixels(d, j, o0, r_row ? r_row + ow0 * j.out_stride : nullptr, hn::Lanes(d), tile);
  for (int64_t r = 0; r < j.kh; ++r) {
    const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
    const bool row_inside = ih >= 0 && ih < j.in_h;
    const float* w = group_weights(j, o0) + r * kKw * kGroupIn * lanes;
    XCONV_UNROLL_COLUMNS
    for (int c = 0; c < kCols; ++c) {
      const int64_t iw = ow0 - j.pad_left + c;
      const hn::Vec<D> x = row_inside && iw >= 0 && iw < j.in_w
                               ? load_channels(d, image + (ih * j.in_w + iw) * j.in_stride + in0, j.channels - in0)
                               : hn::Zero(d);
      XCONV_UNROLL_TAPS
      for (int i = 0; i < kGroupIn; ++i) {
        hn::Vec<D> xi;
        if constexpr (kSquare) {
          xi = square_group_channel<kGroupIn>(x, i);
        } else {
          xi = hn::TableLookupLanes(x, lane_of[i]);
        }
        XCONV_UNROLL_TAPS
        for (int s = 0; s < kKw; ++s) {  // the taps that read column c: pixel c - s
          if (c - s < 0 || c - s >= kPixels) continue;
          acc[c - s] = hn::MulAdd(hn::LoadU(d, w + (s * kGroupIn + i) * lanes), xi, acc[c - s]);
        }
      }
    }
  }
  store_pixels(d, j, o0, tile, y_row + ow0 * j.out_stride);
}

// A column tile of kGroupIn input channels a group: with the shuffles
// where the groups are square and the target has them.
template <int kGroupIn, class D>
HWY_INLINE void grouped_columns_of(bool square, const DepthwiseJob& j, const LaneIndices<D>* lane_of,
                                   const float* image, int64_t oh, int64_t ow0, int64_t o0, float* y_row,
                                   const float* r_row) {
  if constexpr (kSquareGroupShuffles) {
    if (square) return grouped_columns<kGroupedPixels, kGroupIn, true, D>(j, lane_of, image, oh, ow0, o0, y_row, r_row);
  }
  grouped_columns<kGroupedPixels, kGroupIn, false, D>(j, lane_of, image, oh, ow0, o0, y_row, r_row);
}

// Where a vector is exactly one square group (AVX2's 8 lanes, groups of 8
// inputs and 8 outputs: ResNeXt's wider stages), every lane needs the same
// input channel i: a broadcast from memory, which is a load and no shuffle.
// The tile runs tap-major, (r, s, i) then the pixels, so that all kPixels
// chains advance together: in the column order of grouped_columns a chain
// takes a kernel row's 24 FMAs one after another within three columns,
// about three chains run at a time, and the FMA latency (4 cycles on
// Zen 3) holds the layer near 0.75 FMA a cycle. resnext_s3_3x3_g32_256
// measured 1.34-1.41x the column tiles (Zen 3, 1 and 2 threads, one process
// alternating the two). The products and their order are grouped_block's
// (r, s, i), so the bits are too. Padding taps broadcast from a vector of
// zeros. AVX2 only: an AVX-512 vector holds two groups of 8, and on NEON an
// FMA by lane would be the better form; neither was measured.
constexpr bool kGroupBroadcast = HWY_TARGET == HWY_AVX2;
// Accumulators, a weight and a broadcast within AVX2's 16 registers; of 8,
// 10, 12 and 14 pixels, 14 spilled and 8 measured best, within the noise.
constexpr int kBroadcastPixels = 8;

template <int kPixels, bool kInterior, class D>
HWY_INLINE void grouped_broadcast(const DepthwiseJob& j, const float* image, int64_t oh, int64_t ow0, int64_t o0,
                                  float* y_row, const float* r_row) {
  const D d;
  constexpr int kLanes = static_cast<int>(hn::MaxLanes(D()));
  const int64_t in0 = o0;  // group_in == multiplier: input channel = output channel
  alignas(64) static constexpr float kZeros[kLanes] = {};
  hn::Vec<D> tile[1][kPixels];
  hn::Vec<D>(&acc)[kPixels] = tile[0];
  start_pixels(d, j, o0, r_row ? r_row + ow0 * j.out_stride : nullptr, hn::Lanes(d), tile);
  for (int64_t r = 0; r < j.kh; ++r) {
    const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
    const bool row_inside = ih >= 0 && ih < j.in_h;
    for (int64_t s = 0; s < j.kw; ++s) {
      const float* x[kPixels];
      const int64_t iw0 = ow0 * j.stride_w - j.pad_left + s * j.dilation_w;
      for (int p = 0; p < kPixels; ++p) {
        const int64_t iw = iw0 + p * j.stride_w;
        const bool inside = kInterior || (row_inside && iw >= 0 && iw < j.in_w);
        x[p] = inside ? image + (ih * j.in_w + iw) * j.in_stride + in0 : kZeros;
      }
      const float* w = group_weights(j, o0) + (r * j.kw + s) * kLanes * kLanes;
      XCONV_UNROLL_TAPS
      for (int i = 0; i < kLanes; ++i) {
        const auto wv = hn::LoadU(d, w + i * kLanes);
        for (int p = 0; p < kPixels; ++p) acc[p] = hn::MulAdd(wv, hn::Set(d, x[p][i]), acc[p]);
      }
    }
  }
  store_pixels(d, j, o0, tile, y_row + ow0 * j.out_stride);
}

// Every output vector of row oh by broadcast tiles (above).
template <class D>
HWY_INLINE void grouped_broadcast_row(const DepthwiseJob& j, const float* image, int64_t oh, float* y_row,
                                      const float* r_row) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(D()));
  for (int64_t o0 = 0; o0 < j.out_channels; o0 += lanes) {
    int64_t ow = 0;
    for (; ow + kBroadcastPixels <= j.out_w; ow += kBroadcastPixels) {
      if (taps_inside(j, oh, ow, kBroadcastPixels)) {
        grouped_broadcast<kBroadcastPixels, true, D>(j, image, oh, ow, o0, y_row, r_row);
      } else {
        grouped_broadcast<kBroadcastPixels, false, D>(j, image, oh, ow, o0, y_row, r_row);
      }
    }
    for (; ow + 4 <= j.out_w; ow += 4) grouped_broadcast<4, false, D>(j, image, oh, ow, o0, y_row, r_row);
    for (; ow < j.out_w; ++ow) grouped_broadcast<1, false, D>(j, image, oh, ow, o0, y_row, r_row);
  }
}

void GroupedNhwc(const DepthwiseJob& j, const RunTensors& t, float*, size_t task) {
  const hn::ScalableTag<float> d;
  using D = decltype(d);
  const int64_t n = static_cast<int64_t>(task) / j.out_h, oh = static_cast<int64_t>(task) % j.out_h;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), K = j.out_channels;
  const float* image = t.input + n * j.in_image_stride;
  const int64_t row_offset = n * j.out_image_stride + oh * j.out_w * j.out_stride;
  float* y_row = t.output + row_offset;
  const float* r_row = t.residual ? t.residual + row_offset : nullptr;
  if (kGroupBroadcast && j.group_in == lanes && j.multiplier == lanes) {
    return grouped_broadcast_row<D>(j, image, oh, y_row, r_row);
  }
  LaneIndices<D> lane_of[64];  // group_in <= group_out <= lanes <= 64
  for (int64_t i = 0; i < j.group_in; ++i) {
    int32_t index[64];
    for (int64_t l = 0; l < lanes; ++l) index[l] = static_cast<int32_t>(l / j.multiplier * j.group_in + i);
    lane_of[i] = hn::SetTableIndices(d, index);
  }
  const bool columns =
      (j.group_in == 2 || j.group_in == 4 || j.group_in == 8) && j.kw == 3 && j.stride_w == 1 && j.dilation_w == 1;
  const bool square = j.multiplier == j.group_in;
  for (int64_t o0 = 0; o0 < K; o0 += lanes) {
    int64_t ow = 0;
    for (; columns && ow + kGroupedPixels <= j.out_w; ow += kGroupedPixels) {
      if (j.group_in == 8) {
        grouped_columns_of<8, D>(square, j, lane_of, image, oh, ow, o0, y_row, r_row);
      } else if (j.group_in == 4) {
        grouped_columns_of<4, D>(square, j, lane_of, image, oh, ow, o0, y_row, r_row);
      } else {
        grouped_columns_of<2, D>(square, j, lane_of, image, oh, ow, o0, y_row, r_row);
      }
    }
    for (; ow + 4 <= j.out_w; ow += 4) {
      if (taps_inside(j, oh, ow, 4)) {
        grouped_block<4, true, D>(j, lane_of, image, oh, ow, o0, y_row, r_row);
      } else {
        grouped_block<4, false, D>(j, lane_of, image, oh, ow, o0, y_row, r_row);
      }
    }
    for (; ow < j.out_w; ++ow) grouped_block<1, false, D>(j, lane_of, image, oh, ow, o0, y_row, r_row);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_GROUPED_NHWC_INL_H_
