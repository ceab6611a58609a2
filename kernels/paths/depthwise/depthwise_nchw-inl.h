// The depthwise loops over NCHW planes (see depthwise.h): each task copies
// its input plane with the padding as zeros, then tiles of output rows by
// vectors of output columns run the same loop over the taps. Written once
// with Highway.
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NCHW_INL_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NCHW_INL_H_

#include <hwy/highway.h>

#include "kernels/paths/depthwise/depthwise_shared-inl.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Input columns ow * kStride + offset for `lanes` consecutive outputs: one
// load for stride 1; for stride 2 the even half of an interleaved load, which
// also reads the odd neighbour of the last column (the padded plane has room).
template <int kStride, class D>
HWY_INLINE hn::Vec<D> load_columns(D d, const float* x) {
  if (kStride == 1) return hn::LoadU(d, x);
  hn::Vec<D> even, odd;
  hn::LoadInterleaved2(d, x, even, odd);
  return even;
}

// n floats at x, zero, and n floats from src to dst: vector stores, the
// last few by halves (store_first). A plane's rows are short (7 to 112
// floats) and their padding a float or a few, where a call to memset or
// memcpy costs more than the stores: with them libc took 13% of
// mbv2_dw_3x3_144's time (perf, Zen 3), and these ran the NCHW depthwise
// layers 1.08-1.26x faster (one process alternating the two, both
// orders). The zero is kept opaque, or GCC turns the loop back into a
// call to memset.
HWY_INLINE void zero_floats(float* x, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  auto zero = hn::Zero(d);
  keep_in_register(zero);
  int64_t i = 0;
  for (; i + L <= n; i += L) hn::StoreU(zero, d, x + i);
  if (i < n) store_first(d, zero, static_cast<size_t>(n - i), x + i);
}

HWY_INLINE void copy_floats(const float* src, int64_t n, float* dst) {
  const hn::ScalableTag<float> d;
  const int64_t L = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + L <= n; i += L) hn::StoreU(hn::LoadU(d, src + i), d, dst + i);
  if (i < n) store_first(d, load_first(d, src + i, static_cast<size_t>(n - i)), static_cast<size_t>(n - i), dst + i);
}

// Copies the input plane into the padded plane (DepthwiseJob::padded_*):
// row ih + pad_top, column iw + pad_left, zeros everywhere else.
HWY_INLINE void pad_plane(const DepthwiseJob& j, const float* plane, float* padded) {
  const int64_t copy = j.padded_w - j.pad_left < j.in_w ? j.padded_w - j.pad_left : j.in_w;
  for (int64_t r = 0; r < j.padded_h; ++r) {
    float* row = padded + r * j.padded_w;
    const int64_t ih = r - j.pad_top;
    if (ih < 0 || ih >= j.in_h || copy <= 0) {
      zero_floats(row, j.padded_w);
      continue;
    }
    zero_floats(row, j.pad_left);
    copy_floats(plane + ih * j.in_w, copy, row + j.pad_left);
    zero_floats(row + j.pad_left + copy, j.padded_w - j.pad_left - copy);
  }
}

// kRows output rows from oh by kVectors output vectors from column ow0,
// read from the padded plane: every tap is one load per vector, no edge
// cases. Each output's chain runs over the taps in (r, s) order; the tile
// holds kRows * kVectors of them at once, so that the FMAs of a tap do not
// wait on each other: one row of four vectors (the tile before this one)
// left AVX2's two FMA pipes half idle, four chains for a latency of four.
// Its end is whole-tile steps (Finish over the tile), with a partial store
// only for a last vector cut short by the row's end.
template <int kRows, int kVectors, int kStride, class D>
HWY_INLINE void nchw_block(const DepthwiseJob& j, const float* padded, const float* w, const Finish<D>& finish,
                           int64_t oh, int64_t ow0, float* y, const float* r) {
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t row_step = j.stride_h * j.padded_w;  // floats between neighbouring output rows' inputs
  hn::Vec<D> acc[kRows][kVectors];
  XCONV_UNROLL_TAPS
  for (int q = 0; q < kRows; ++q) {
    XCONV_UNROLL_TAPS
    for (int v = 0; v < kVectors; ++v) {
      const int64_t col = ow0 + v * lanes;
      acc[q][v] = r ? chain_start(d, j, r + (oh + q) * j.out_w + col, static_cast<size_t>(j.out_w - col)) : hn::Zero(d);
    }
  }
  for (int64_t t = 0; t < j.kh; ++t) {
    const float* row = padded + (oh * j.stride_h + t * j.dilation_h) * j.padded_w + ow0 * kStride;
    for (int64_t s = 0; s < j.kw; ++s) {
      const auto wv = hn::Set(d, w[t * j.kw + s]);
      const float* x = row + s * j.dilation_w;
      XCONV_UNROLL_TAPS
      for (int q = 0; q < kRows; ++q) {
        XCONV_UNROLL_TAPS
        for (int v = 0; v < kVectors; ++v) {
          acc[q][v] = hn::MulAdd(wv, load_columns<kStride>(d, x + q * row_step + v * lanes * kStride), acc[q][v]);
        }
      }
    }
  }
  finish(acc);
  const int64_t last = ow0 + (kVectors - 1) * lanes;  // the last vector's first column
  XCONV_UNROLL_TAPS
  for (int q = 0; q < kRows; ++q) {
    float* out = y + (oh + q) * j.out_w;
    XCONV_UNROLL_TAPS
    for (int v = 0; v + 1 < kVectors; ++v) hn::StoreU(acc[q][v], d, out + ow0 + v * lanes);
    store_first(d, acc[q][kVectors - 1], static_cast<size_t>(j.out_w - last), out + last);
  }
}

// Output rows [oh, oh_end) of the kVectors vectors from column ow0: blocks
// of kRows, the rows left over in blocks of half as many, and so on.
template <int kRows, int kVectors, int kStride, class D>
HWY_INLINE void nchw_rows(const DepthwiseJob& j, const float* padded, const float* w, const Finish<D>& f, int64_t oh,
                          int64_t oh_end, int64_t ow0, float* y, const float* r) {
  for (; oh + kRows <= oh_end; oh += kRows) nchw_block<kRows, kVectors, kStride>(j, padded, w, f, oh, ow0, y, r);
  if constexpr (kRows > 1) nchw_rows<kRows / 2, kVectors, kStride>(j, padded, w, f, oh, oh_end, ow0, y, r);
}

// Every output row of the kVectors vectors from column ow0, in tiles of
// about eight accumulators (four vectors by two rows, three by three, two
// by four, one by eight): the 16 registers of AVX2 hold them, the weight
// and a load.
template <int kVectors, int kStride, class D>
HWY_INLINE void nchw_columns(const DepthwiseJob& j, const float* padded, const float* w, const Finish<D>& f,
                             int64_t ow0, float* y, const float* r) {
  constexpr int kRows = kVectors >= 4 ? 2 : kVectors == 3 ? 3 : kVectors == 2 ? 4 : 8;
  nchw_rows<kRows, kVectors, kStride>(j, padded, w, f, 0, j.out_h, ow0, y, r);
}

// The whole output plane: columns four vectors at a time, then the rest
// (the last vector partly stored).
template <int kStride, class D>
HWY_INLINE void nchw_plane(const DepthwiseJob& j, const float* padded, const float* w, const Finish<D>& f, float* y,
                           const float* r) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(D()));
  int64_t ow = 0;
  for (; ow + 4 * lanes <= j.out_w; ow += 4 * lanes) nchw_columns<4, kStride>(j, padded, w, f, ow, y, r);
  switch ((j.out_w - ow + lanes - 1) / lanes) {
    case 4: nchw_columns<4, kStride>(j, padded, w, f, ow, y, r); break;
    case 3: nchw_columns<3, kStride>(j, padded, w, f, ow, y, r); break;
    case 2: nchw_columns<2, kStride>(j, padded, w, f, ow, y, r); break;
    case 1: nchw_columns<1, kStride>(j, padded, w, f, ow, y, r); break;
    default: break;
  }
}

// One output value of an NCHW plane (strides above 2).
HWY_INLINE float nchw_point(const DepthwiseJob& j, const float* plane, const float* w, int64_t oh, int64_t ow,
                            float start) {
  return tap_chain(j, oh, ow, start, [&](int64_t ih, int64_t iw) { return plane[ih * j.in_w + iw]; },
                   [&](int64_t r, int64_t s) { return w[r * j.kw + s]; });
}

void DepthwiseNchw(const DepthwiseJob& j, const RunTensors& t, float* scratch, size_t task) {
  const int64_t n = static_cast<int64_t>(task) / j.out_channels, o = static_cast<int64_t>(task) % j.out_channels;
  const float* plane = t.input + n * j.in_image_stride + o / j.multiplier * j.in_stride;
  const int64_t out_offset = n * j.out_image_stride + o * j.out_stride;
  float* out = t.output + out_offset;
  const float* res = t.residual ? t.residual + out_offset : nullptr;
  const float* w = j.weights + o * j.kh * j.kw;
  if (j.padded_w == 0) {  // no padded plane planned (stride above 2): tap by tap
    for (int64_t i = 0; i < j.out_h * j.out_w; ++i) {
      const float v = nchw_point(j, plane, w, i / j.out_w, i % j.out_w, point_start(j, res ? res + i : nullptr));
      out[i] = finish_point(j, o, v);
    }
    return;
  }
  const hn::ScalableTag<float> d;
  const Finish<decltype(d)> finish(d, j, o, false);
  pad_plane(j, plane, scratch);
  if (j.stride_w == 1) {
    nchw_plane<1>(j, scratch, w, finish, out, res);
  } else {
    nchw_plane<2>(j, scratch, w, finish, out, res);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NCHW_INL_H_
