// The implicit GEMM loops (see implicit_gemm.h), written once with Highway.
// Each implicit_gemm_<target>.cc includes this once, compiled for one static
// target; everything lives in xconv::HWY_NAMESPACE, so the targets' copies
// never meet at link time. Highway's MulAdd is fused on every target used
// here (AVX2, AVX3, NEON).
#ifndef XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_INL_H_
#define XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_INL_H_

#include <string.h>

#include <algorithm>

#include <hwy/highway.h>

#include "kernels/paths/direct_epilogue-inl.h"
#include "kernels/paths/implicit/implicit_gemm.h"
#include "kernels/paths/implicit/implicit_gemm_nhwc-inl.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// A tile: kTile output channels (ImplicitGemmJob::tile) by up to
// kMaxVectors vectors of output pixels of one row. Per k it loads the
// vectors once and broadcasts each weight once: kTile + kMaxVectors loads
// for kTile * kMaxVectors FMAs.
constexpr int kMaxVectors = HWY_LANES(float) == 8 ? 3 : 4;

// One input row into its two phases (stride 2): padded column x, which is
// input column x - pad_left, goes to phase x % 2 at x / 2. A strided scalar
// copy took a tenth of a 7x7 stride-2 stem's time.
HWY_INLINE void split_in_two(const ImplicitGemmJob& j, const float* src, float* row) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  float* const phase[2] = {row, row + j.phase_w};
  memset(row, 0, static_cast<size_t>(2 * j.phase_w) * sizeof(float));
  const int64_t end = std::min(j.pad_left + j.in_w, 2 * j.phase_w);  // past the last padded column copied
  int64_t x = j.pad_left;
  if (x % 2 != 0 && x < end) phase[1][x / 2] = src[x - j.pad_left], ++x;
  for (; x + 2 * lanes <= end; x += 2 * lanes) {
    hn::Vec<decltype(d)> even, odd;
    hn::LoadInterleaved2(d, src + x - j.pad_left, even, odd);
    hn::StoreU(even, d, phase[0] + x / 2);
    hn::StoreU(odd, d, phase[1] + x / 2);
  }
  for (; x < end; ++x) phase[x % 2][x / 2] = src[x - j.pad_left];
}

// The band's input rows into the workspace, as implicit_gemm.h lays them
// out: [c][row][phase][phase_w], padded row first_row + row and padded
// column x * stride_w + phase at [c][row][phase][x]; zeros outside the image.
HWY_INLINE void copy_band(const ImplicitGemmJob& j, const float* image, int64_t first_row, float* band) {
  const int64_t phases = j.stride_w;
  for (int64_t c = 0; c < j.channels; ++c) {
    const float* plane = image + c * j.in_stride;
    for (int64_t i = 0; i < j.band_in_rows; ++i) {
      const int64_t ih = first_row + i - j.pad_top;
      float* row = band + (c * j.band_in_rows + i) * phases * j.phase_w;
      if (ih < 0 || ih >= j.in_h) {
        memset(row, 0, static_cast<size_t>(phases * j.phase_w) * sizeof(float));
        continue;
      }
      const float* src = plane + ih * j.in_w;
      if (phases == 1) {  // the row between its padding columns
        const int64_t copy = std::min(j.in_w, j.phase_w - j.pad_left);
        memset(row, 0, static_cast<size_t>(j.pad_left) * sizeof(float));
        memcpy(row + j.pad_left, src, static_cast<size_t>(copy) * sizeof(float));
        memset(row + j.pad_left + copy, 0, static_cast<size_t>(j.phase_w - j.pad_left - copy) * sizeof(float));
        continue;
      }
      if (phases == 2) {  // stride 2, the stems': deinterleaved by vectors
        split_in_two(j, src, row);
        continue;
      }
      for (int64_t p = 0; p < phases; ++p) {
        float* dst = row + p * j.phase_w;
        for (int64_t x = 0; x < j.phase_w; ++x) {
          const int64_t iw = x * phases + p - j.pad_left;
          dst[x] = iw >= 0 && iw < j.in_w ? src[iw] : 0.0f;
        }
      }
    }
  }
}

// Output channels [o0, o0 + kTile) by kVectors vectors of row oh from
// column ow0; `row0` is the band row that kernel row 0 reads, `offsets`
// the tap offsets (fill_tap_offsets), `w` the tile's weights (k-major,
// kTile a k). Channels past out_channels are
// computed on the zero weights of the padded tile and not stored.
template <int kTile, int kVectors>
HWY_INLINE void tile(const ImplicitGemmJob& j, const float* band, const int32_t* offsets, int64_t row0, int64_t oh,
                     int64_t ow0, int64_t o0, const float* w, float* out, const float* res) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t pixel = oh * j.out_w + ow0;  // of the tile's first output, within its plane
  V acc[kTile][kVectors];
  XCONV_UNROLL_TILE
  for (int m = 0; m < kTile; ++m) {
    const bool real = o0 + m < j.out_channels;
    XCONV_UNROLL_TILE
    for (int v = 0; v < kVectors; ++v) {
      const int64_t col = ow0 + v * lanes;
      const float* r = res && real ? res + (o0 + m) * j.out_stride + pixel + v * lanes : nullptr;
      acc[m][v] = chain_start(d, j, r, static_cast<size_t>(j.out_w - col));
    }
  }
  const float* base = band + row0 * j.stride_w * j.phase_w + ow0;
  const int64_t depth = j.channels * j.kh * j.kw;
  for (int64_t k = 0; k < depth; ++k, w += kTile) {
    const float* at = base + offsets[k];
    V x[kVectors];
    XCONV_UNROLL_TILE
    for (int v = 0; v < kVectors; ++v) x[v] = hn::LoadU(d, at + v * lanes);
    XCONV_UNROLL_TILE
    for (int m = 0; m < kTile; ++m) {
      const V b = hn::Set(d, w[m]);
      XCONV_UNROLL_TILE
      for (int v = 0; v < kVectors; ++v) acc[m][v] = hn::MulAdd(b, x[v], acc[m][v]);
    }
  }
  finish_tile(d, j, o0, false, acc);  // the bias and slopes are padded to whole tiles
  // Only the last vector of a row may be partial.
  const size_t last = static_cast<size_t>(j.out_w - ow0 - (kVectors - 1) * lanes);
  const int64_t rows = std::min<int64_t>(kTile, j.out_channels - o0);
  XCONV_UNROLL_TILE
  for (int m = 0; m < kTile; ++m) {
    if (m == rows) break;
    float* y = out + (o0 + m) * j.out_stride + pixel;
    XCONV_UNROLL_TILE
    for (int v = 0; v + 1 < kVectors; ++v) hn::StoreU(acc[m][v], d, y + v * lanes);
    store_first(d, acc[m][kVectors - 1], last, y + (kVectors - 1) * lanes);
  }
}

// Every output channel of row oh: tiles of kMaxVectors vectors, then the
// rest of the row in one tile of fewer (its last vector partly stored).
// A rest of one vector follows two tiles of kMaxVectors - 1 instead: a
// one-vector tile has only kTile chains, too few to hide the FMA latency
// (AVX2, 4 chains of 4 cycles for 2 FMAs a cycle: half the rate), and a row
// of 7 vectors (the seed's 55 columns, ResNet's 56) runs 3 + 2 + 2 in 14
// FMA cycles a k where 3 + 3 + 1 took 16.
template <int kTile>
HWY_INLINE void output_row(const ImplicitGemmJob& j, const float* band, const int32_t* offsets, int64_t row0,
                           int64_t oh, float* out, const float* res) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  const int64_t depth = j.channels * j.kh * j.kw;
  const int64_t vectors = (j.out_w + lanes - 1) / lanes;
  // Whole tiles of kMaxVectors, the rest split where it would be one vector.
  const bool split_rest = kMaxVectors > 2 && vectors > kMaxVectors && vectors % kMaxVectors == 1;
  const int64_t whole = (vectors / kMaxVectors - (split_rest ? 1 : 0)) * kMaxVectors * lanes;
  for (int64_t o0 = 0; o0 < j.out_channels; o0 += kTile) {
    const float* w = j.weights + o0 * depth;  // packed_weights.h: one K block, tiles of kTile
    int64_t ow = 0;
    for (; ow < whole; ow += kMaxVectors * lanes) tile<kTile, kMaxVectors>(j, band, offsets, row0, oh, ow, o0, w, out, res);
    if (split_rest) {
      tile<kTile, kMaxVectors - 1>(j, band, offsets, row0, oh, ow, o0, w, out, res);
      ow += (kMaxVectors - 1) * lanes;
    }
    switch ((j.out_w - ow + lanes - 1) / lanes) {  // at most kMaxVectors
      case 4: tile<kTile, kMaxVectors>(j, band, offsets, row0, oh, ow, o0, w, out, res); break;
      case 3: tile<kTile, 3>(j, band, offsets, row0, oh, ow, o0, w, out, res); break;
      case 2: tile<kTile, 2>(j, band, offsets, row0, oh, ow, o0, w, out, res); break;
      case 1: tile<kTile, 1>(j, band, offsets, row0, oh, ow, o0, w, out, res); break;
      default: break;
    }
  }
}

// Where each reduction index k = (c, r, s) reads in the band, in floats
// from where k = 0 does: one table lookup a k, where working out the phase
// and shift of each tap in the loop left the FMAs waiting. A task's first
// step (C * R * S entries: small beside the band's tiles).
HWY_INLINE void fill_tap_offsets(const ImplicitGemmJob& j, int32_t* offset) {
  for (int64_t c = 0; c < j.channels; ++c) {
    for (int64_t r = 0; r < j.kh; ++r) {
      for (int64_t s = 0; s < j.kw; ++s) {
        const int64_t column = s * j.dilation_w, row = c * j.band_in_rows + r * j.dilation_h;
        *offset++ = static_cast<int32_t>((row * j.stride_w + column % j.stride_w) * j.phase_w + column / j.stride_w);
      }
    }
  }
}

void ImplicitGemm(const ImplicitGemmJob& j, const RunTensors& t, float* scratch, size_t task) {
  const int64_t bands = (j.out_h + j.band_rows - 1) / j.band_rows;
  const int64_t n = static_cast<int64_t>(task) / bands, oh0 = static_cast<int64_t>(task) % bands * j.band_rows;
  int32_t* offsets = reinterpret_cast<int32_t*>(scratch + j.band_floats);
  const float* image = t.input + n * j.in_image_stride;
  if (j.nhwc) {
    fill_tap_offsets_nhwc(j, offsets);
    copy_band_nhwc(j, image, oh0 * j.stride_h, scratch);
  } else {
    fill_tap_offsets(j, offsets);
    copy_band(j, image, oh0 * j.stride_h, scratch);
  }
  float* out = t.output + n * j.out_image_stride;
  const float* res = t.residual ? t.residual + n * j.out_image_stride : nullptr;
  const int64_t oh1 = std::min(j.out_h, oh0 + j.band_rows);
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    const int64_t row0 = (oh - oh0) * j.stride_h;
    if (j.nhwc) {
      nhwc_output_row_any(j, scratch, offsets, row0, oh, out, res);
      continue;
    }
#if HWY_TARGET == HWY_AVX2
    output_row<4>(j, scratch, offsets, row0, oh, out, res);  // implicit_gemm_tile: the one tile of 16 registers
#else
    switch (j.tile) {
      case 4: output_row<4>(j, scratch, offsets, row0, oh, out, res); break;
      case 5: output_row<5>(j, scratch, offsets, row0, oh, out, res); break;
      default: output_row<6>(j, scratch, offsets, row0, oh, out, res); break;
    }
#endif
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

// Defines this target's entry point (declared in implicit_gemm_targets.cc);
// each implicit_gemm_<target>.cc is this one line.
#define XCONV_EXPORT_IMPLICIT_GEMM(target)                                                                 \
  namespace xconv {                                                                                        \
  void implicit_gemm_##target(const ImplicitGemmJob& job, const RunTensors& t, float* scratch, size_t task) { \
    HWY_STATIC_DISPATCH(ImplicitGemm)(job, t, scratch, task);                                                \
  }                                                                                                          \
  }  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_INL_H_
