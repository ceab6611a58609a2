// The implicit GEMM over NHWC images (see implicit_gemm.h), written once
// with Highway and included by implicit_gemm-inl.h inside one static
// target's compilation. The GEMM is the indirect path's, pixels by output
// channels, with the output channels along the vector lanes and each input
// value broadcast, but where the indirect path writes MR pointers per tap
// for every tile and runs a micro-kernel tile per NR channels, here a tile's
// pixels are a fixed step apart in the band copy and each tap is one
// offset from a table, its C channels following: no pointers, no calls,
// and no edge cases, the band holding the padding as zeros.
#ifndef XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_NHWC_INL_H_
#define XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_NHWC_INL_H_

#include <string.h>

#include <algorithm>

#include <hwy/highway.h>

#include "kernels/paths/direct_epilogue-inl.h"
#include "kernels/paths/implicit/implicit_gemm.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The band's input rows into the workspace, as implicit_gemm.h lays them
// out for NHWC: [row][padded column][channel], padded row first_row + row;
// zeros outside the image.
HWY_INLINE void copy_band_nhwc(const ImplicitGemmJob& j, const float* image, int64_t first_row, float* band) {
  const int64_t C = j.channels, row_floats = j.phase_w * C;
  for (int64_t i = 0; i < j.band_in_rows; ++i) {
    const int64_t ih = first_row + i - j.pad_top;
    float* row = band + i * row_floats;
    if (ih < 0 || ih >= j.in_h) {
      memset(row, 0, static_cast<size_t>(row_floats) * sizeof(float));
      continue;
    }
    const float* src = image + ih * j.in_w * j.in_stride;
    // Padding columns, the image's columns the band holds, padding again.
    const int64_t lead = std::min(j.pad_left, j.phase_w);
    const int64_t copy = std::max<int64_t>(0, std::min(j.in_w, j.phase_w - lead));
    memset(row, 0, static_cast<size_t>(lead * C) * sizeof(float));
    if (j.in_stride == C) {
      memcpy(row + lead * C, src, static_cast<size_t>(copy * C) * sizeof(float));
    } else {
      for (int64_t x = 0; x < copy; ++x) {
        memcpy(row + (lead + x) * C, src + x * j.in_stride, static_cast<size_t>(C) * sizeof(float));
      }
    }
    memset(row + (lead + copy) * C, 0, static_cast<size_t>((j.phase_w - lead - copy) * C) * sizeof(float));
  }
}

// Where each tap (r, s) reads in the band, in floats from where tap (0, 0)
// does: its C channels follow.
HWY_INLINE void fill_tap_offsets_nhwc(const ImplicitGemmJob& j, int32_t* offset) {
  const int64_t C = j.channels, row_floats = j.phase_w * C;
  for (int64_t r = 0; r < j.kh; ++r) {
    for (int64_t s = 0; s < j.kw; ++s) {
      *offset++ = static_cast<int32_t>(r * j.dilation_h * row_floats + s * j.dilation_w * C);
    }
  }
}

// kPixels output pixels of row oh from column ow0 (`pixels` of them
// stored) by kVectors vectors of output channels from o0; `row0` is the
// band row that kernel row 0 reads, `w` the tile's packed weights (k-major,
// ImplicitGemmJob::tile a k). Per k = (r, s, c): kVectors weight loads and
// kPixels broadcasts for kVectors * kPixels FMAs. A tile past the last column
// computes on the band's zero columns and is not stored; channels past
// out_channels on the padded tile's zero weights, neither. kWhole: every
// pixel is stored and every vector but the last is whole, so the stores
// are straight code (with a reduction as short as the seed's 27, a tile's
// start and end are a fair part of its time).
template <int kVectors, int kPixels, bool kWhole, int kChannels>
HWY_INLINE void nhwc_tile(const ImplicitGemmJob& j, const float* band, const int32_t* offsets, int64_t row0,
                          int64_t oh, int64_t ow0, int64_t pixels, int64_t o0, const float* w, float* out,
                          const float* res) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  size_t valid[kVectors];  // channels of vector v that exist
  for (int v = 0; v < kVectors; ++v) {
    valid[v] = static_cast<size_t>(std::max<int64_t>(0, std::min(lanes, j.out_channels - o0 - v * lanes)));
  }
  const int64_t first = oh * j.out_w + ow0;  // the tile's first output pixel within the image
  V acc[kVectors][kPixels];
  XCONV_UNROLL_TILE
  for (int v = 0; v < kVectors; ++v) {
    XCONV_UNROLL_TILE
    for (int p = 0; p < kPixels; ++p) acc[v][p] = hn::Zero(d);
  }
  if (res) {
    XCONV_UNROLL_TILE
    for (int v = 0; v < kVectors; ++v) {
      XCONV_UNROLL_TILE
      for (int p = 0; p < kPixels; ++p) {
        if (p < pixels && valid[v] > 0) {
          acc[v][p] = chain_start(d, j, res + (first + p) * j.out_stride + o0 + v * lanes, valid[v]);
        }
      }
    }
  }
  const int64_t step = j.stride_w * j.channels;  // floats between neighbouring pixels' inputs
  const float* x[kPixels];
  XCONV_UNROLL_TILE
  for (int p = 0; p < kPixels; ++p) x[p] = band + row0 * j.phase_w * j.channels + (ow0 + p) * step;
  // Tap by tap, the tap's kChannels input channels unrolled, the taps not:
  // unrolled by two, the next tap's loads were hoisted over this one's FMAs
  // and, in AVX2's 16 registers, accumulators spilled to the stack and came
  // back as FMA memory operands (197 spills in the AVX2 loops, 45 without).
  // In-process A/B, 1 thread, AVX2, Zen 3, both orders: 1.00-1.06x.
  const int64_t taps = j.kh * j.kw;
  _Pragma("GCC unroll 1")
  for (int64_t t = 0; t < taps; ++t) {
    const int64_t at = offsets[t];
    XCONV_UNROLL_TILE
    for (int c = 0; c < kChannels; ++c, w += j.tile) {
      V wv[kVectors];
      XCONV_UNROLL_TILE
      for (int v = 0; v < kVectors; ++v) wv[v] = hn::LoadU(d, w + v * lanes);
      XCONV_UNROLL_TILE
      for (int p = 0; p < kPixels; ++p) {
        const V b = hn::Set(d, x[p][at + c]);
        XCONV_UNROLL_TILE
        for (int v = 0; v < kVectors; ++v) acc[v][p] = hn::MulAdd(wv[v], b, acc[v][p]);
      }
    }
  }
  finish_tile(d, j, o0, true, acc);  // row v: the channels from o0 + v * lanes
  float* y = out + first * j.out_stride + o0;
  if constexpr (kWhole) {
    XCONV_UNROLL_TILE
    for (int p = 0; p < kPixels; ++p, y += j.out_stride) {
      XCONV_UNROLL_TILE
      for (int v = 0; v + 1 < kVectors; ++v) hn::StoreU(acc[v][p], d, y + v * lanes);
      store_first(d, acc[kVectors - 1][p], valid[kVectors - 1], y + (kVectors - 1) * lanes);
    }
    return;
  }
  XCONV_UNROLL_TILE
  for (int p = 0; p < kPixels; ++p, y += j.out_stride) {
    if (p == pixels) break;
    XCONV_UNROLL_TILE
    for (int v = 0; v < kVectors; ++v) {
      if (valid[v] > 0) store_first(d, acc[v][p], valid[v], y + v * lanes);
    }
  }
}

// Pixels a tile of kVectors output vectors (implicit_gemm.h); the band is
// wide enough for any tile to run past the row's end.
template <int kVectors>
constexpr int nhwc_pixels() {
  return implicit_gemm_nhwc_pixels(kVectors, hn::MaxLanes(hn::ScalableTag<float>()));
}

// Every output channel of row oh, tile by tile.
template <int kVectors, int kChannels>
HWY_INLINE void nhwc_output_row(const ImplicitGemmJob& j, const float* band, const int32_t* offsets, int64_t row0,
                                int64_t oh, float* out, const float* res) {
  constexpr int kPixels = nhwc_pixels<kVectors>();
  const int64_t depth = j.channels * j.kh * j.kw;
  for (int64_t o0 = 0; o0 < j.out_channels; o0 += j.tile) {
    const float* w = j.weights + o0 * depth;  // packed_weights.h: one K block, tiles of j.tile
    // Every vector but the last whole: the tile's channels end within its last vector.
    const bool whole = o0 + j.tile - static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>())) < j.out_channels;
    int64_t ow = 0;
    for (; whole && ow + kPixels <= j.out_w; ow += kPixels) {
      nhwc_tile<kVectors, kPixels, true, kChannels>(j, band, offsets, row0, oh, ow, kPixels, o0, w, out, res);
    }
    for (; ow < j.out_w; ow += kPixels) {
      const int64_t pixels = std::min<int64_t>(kPixels, j.out_w - ow);
      nhwc_tile<kVectors, kPixels, false, kChannels>(j, band, offsets, row0, oh, ow, pixels, o0, w, out, res);
    }
  }
}

// The row's tiles for kVectors vectors and the layer's input channels
// (at most kImplicitGemmNhwcChannels: implicit_gemm_fits).
template <int kVectors>
HWY_INLINE void nhwc_row_of(const ImplicitGemmJob& j, const float* band, const int32_t* offsets, int64_t row0,
                            int64_t oh, float* out, const float* res) {
  static_assert(kImplicitGemmNhwcChannels == 4, "one case per channel count");
  switch (j.channels) {
    case 1: return nhwc_output_row<kVectors, 1>(j, band, offsets, row0, oh, out, res);
    case 2: return nhwc_output_row<kVectors, 2>(j, band, offsets, row0, oh, out, res);
    case 3: return nhwc_output_row<kVectors, 3>(j, band, offsets, row0, oh, out, res);
    default: return nhwc_output_row<kVectors, 4>(j, band, offsets, row0, oh, out, res);
  }
}

// Every output channel of row oh in tiles of the job's vectors.
HWY_INLINE void nhwc_output_row_any(const ImplicitGemmJob& j, const float* band, const int32_t* offsets, int64_t row0,
                                    int64_t oh, float* out, const float* res) {
  switch (j.tile / static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()))) {  // at most kImplicitGemmMaxVectors
    case 1: return nhwc_row_of<1>(j, band, offsets, row0, oh, out, res);
    case 2: return nhwc_row_of<2>(j, band, offsets, row0, oh, out, res);
    case 3: return nhwc_row_of<3>(j, band, offsets, row0, oh, out, res);
    default: return nhwc_row_of<4>(j, band, offsets, row0, oh, out, res);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

#endif  // XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_NHWC_INL_H_
