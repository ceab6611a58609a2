// The depthwise loops (see depthwise.h), written once with Highway. Each
// depthwise_<target>.cc includes this once, compiled for one static target;
// everything lives in xconv::HWY_NAMESPACE, so the targets' copies never meet
// at link time. Highway's MulAdd is fused on every target used here (AVX2,
// AVX3, NEON), like __builtin_fmaf in the scalar edges.
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_

#include <math.h>
#include <string.h>

#include <algorithm>
#include <type_traits>

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "kernels/paths/depthwise/depthwise.h"
#include "kernels/paths/direct_epilogue-inl.h"

// The tile loops are unrolled whole: GCC otherwise keeps the accumulators,
// indexed by the column, in memory (not in sanitizer builds:
// direct_epilogue-inl.h).
#if XCONV_LOOPS_SANITIZED
#define XCONV_UNROLL_COLUMNS
#define XCONV_UNROLL_TAPS
#else
#define XCONV_UNROLL_COLUMNS _Pragma("GCC unroll 64")
#define XCONV_UNROLL_TAPS _Pragma("GCC unroll 8")
#endif

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

// The channels of one input pixel from `first`, as a vector; only `valid`
// of them exist (the rest read as zero, never past the pixel's channels).
template <class D>
HWY_INLINE hn::Vec<D> load_channels(D d, const float* x, int64_t valid) {
  if (valid >= static_cast<int64_t>(hn::Lanes(d))) return hn::LoadU(d, x);
  float lanes[64] = {};  // more than any target's vector
  for (int64_t c = 0; c < valid; ++c) lanes[c] = x[c];
  return hn::LoadU(d, lanes);
}

// Copies the input plane into the padded plane (DepthwiseJob::padded_*):
// row ih + pad_top, column iw + pad_left, zeros everywhere else.
HWY_INLINE void pad_plane(const DepthwiseJob& j, const float* plane, float* padded) {
  const int64_t copy = j.padded_w - j.pad_left < j.in_w ? j.padded_w - j.pad_left : j.in_w;
  for (int64_t r = 0; r < j.padded_h; ++r) {
    float* row = padded + r * j.padded_w;
    const int64_t ih = r - j.pad_top;
    if (ih < 0 || ih >= j.in_h || copy <= 0) {
      memset(row, 0, static_cast<size_t>(j.padded_w) * sizeof(float));
      continue;
    }
    memset(row, 0, static_cast<size_t>(j.pad_left) * sizeof(float));
    memcpy(row + j.pad_left, plane + ih * j.in_w, static_cast<size_t>(copy) * sizeof(float));
    memset(row + j.pad_left + copy, 0, static_cast<size_t>(j.padded_w - j.pad_left - copy) * sizeof(float));
  }
}

// kVectors output vectors of row oh from column ow0, read from the padded
// plane: every tap is one load per vector, no edge cases.
template <int kVectors, int kStride, class D>
HWY_INLINE void nchw_vectors(const DepthwiseJob& j, const float* padded, const float* w, const Finish<D>& finish,
                             int64_t oh, int64_t ow0, float* y, const float* r) {
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<D> acc[kVectors];
  for (int v = 0; v < kVectors; ++v) {
    const int64_t col = ow0 + v * lanes;
    acc[v] = chain_start(d, j, r ? r + col : nullptr, static_cast<size_t>(j.out_w - col));
  }
  for (int64_t r = 0; r < j.kh; ++r) {
    const float* row = padded + (oh * j.stride_h + r * j.dilation_h) * j.padded_w + ow0 * kStride;
    for (int64_t s = 0; s < j.kw; ++s) {
      const auto wv = hn::Set(d, w[r * j.kw + s]);
      const float* x = row + s * j.dilation_w;
      for (int v = 0; v < kVectors; ++v) acc[v] = hn::MulAdd(wv, load_columns<kStride>(d, x + v * lanes * kStride), acc[v]);
    }
  }
  for (int v = 0; v < kVectors; ++v) {
    const int64_t col = ow0 + v * lanes;
    store_first(d, finish(acc[v]), static_cast<size_t>(j.out_w - col), y + col);
  }
}

template <int kStride, class D>
HWY_INLINE void nchw_row(const DepthwiseJob& j, const float* padded, const float* w, const Finish<D>& f, int64_t oh,
                         float* y, const float* r) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(D()));
  int64_t ow = 0;
  for (; ow + 4 * lanes <= j.out_w; ow += 4 * lanes) nchw_vectors<4, kStride>(j, padded, w, f, oh, ow, y, r);
  switch ((j.out_w - ow + lanes - 1) / lanes) {  // the rest, the last vector partly stored
    case 4: nchw_vectors<4, kStride>(j, padded, w, f, oh, ow, y, r); break;
    case 3: nchw_vectors<3, kStride>(j, padded, w, f, oh, ow, y, r); break;
    case 2: nchw_vectors<2, kStride>(j, padded, w, f, oh, ow, y, r); break;
    case 1: nchw_vectors<1, kStride>(j, padded, w, f, oh, ow, y, r); break;
    default: break;
  }
}

// One output value, tap by tap from `start`: the scalar form of every direct
// loop. x(ih, iw) is the input value at a position inside the image, w(r, s)
// the tap's weight; padding taps multiply zeros.
template <class Input, class Weight>
HWY_INLINE float tap_chain(const DepthwiseJob& j, int64_t oh, int64_t ow, float start, Input x, Weight w) {
  float acc = start;
  for (int64_t r = 0; r < j.kh; ++r) {
    const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
    for (int64_t s = 0; s < j.kw; ++s) {
      const int64_t iw = ow * j.stride_w - j.pad_left + s * j.dilation_w;
      const bool inside = ih >= 0 && ih < j.in_h && iw >= 0 && iw < j.in_w;
      acc = __builtin_fmaf(w(r, s), inside ? x(ih, iw) : 0.0f, acc);
    }
  }
  return acc;
}

// The scalar chain's start: residual_scale times the residual at r, or 0.
HWY_INLINE float point_start(const DepthwiseJob& j, const float* r) { return r ? j.residual_scale * *r : 0.0f; }

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
  for (int64_t oh = 0; oh < j.out_h; ++oh) {
    const float* r = res ? res + oh * j.out_w : nullptr;
    if (j.stride_w == 1) {
      nchw_row<1>(j, scratch, w, finish, oh, out + oh * j.out_w, r);
    } else {
      nchw_row<2>(j, scratch, w, finish, oh, out + oh * j.out_w, r);
    }
  }
}

// NHWC tiles: kPixels output pixels of one row by a vector of channels,
// read through a table of input pixel pointers, rows of kCols
// (see fill_column_table). With kKw > 1 a table row is one kernel row r and
// its columns are the input pixels the tile's taps of that row read: each
// is loaded once and multiplied by every tap it meets (kKw of them for stride
// 1), where a load per tap would be one load per FMA. That matters because
// this is load-bound: Zen 5 here issues about one 512-bit load a cycle, two
// FMAs. With kKw = 1 a table row is one tap (r, s) and its columns the
// tile's pixels: any kernel width, stride and dilation. Either way a padding
// tap points at the task's row of zeros and is multiplied like any other,
// and every output's chain runs over the taps in (r, s) order.
template <int kPixels, int kKw, int kStride>
constexpr int table_columns() {
  return (kPixels - 1) * kStride + kKw;
}

// A tile is one vector of channels wide, so that the registers go to
// pixels: the more pixels, the fewer column loads per FMA. AVX2 has 16
// vector registers, the other targets 32: accumulators, a kernel row of
// weights and a column fit either way. Image widths are mostly multiples of
// 7 (112, 56, 28, 14, 7): a row takes tiles of kTilePixels, then of 7.
constexpr int kTilePixels = HWY_TARGET == HWY_AVX2 ? 7 : 14;
static_assert(kTilePixels >= 7, "depthwise.h, row_table_pointers, counts tiles of 7 pixels or more");

// Channels [o, o + lanes), or with kTail the first `valid` < lanes channels
// from o (loaded and stored through a buffer, never past them), of the
// pixels of `rows` table rows from `table`.
// A column's vector, used by up to kKw FMAs, loaded once: left to itself
// the compiler folds the load into each FMA as a memory operand (x86 only),
// one load per FMA again, which is what the column table is there to avoid
// (a stride-2 tile ran at half the speed).
template <class V>
HWY_INLINE void keep_in_register(V& x) {
#if HWY_ARCH_X86
  asm("" : "+v"(x.raw));
#else
  (void)x;
#endif
}

// With kInside every column of the tile is inside the image, so a row's
// columns follow its first at `step` floats: one pointer load a row, not
// one a column (at stride 2, 29 columns serve 42 FMAs a row).
template <int kPixels, int kKw, int kStride, bool kTail, bool kInside>
HWY_INLINE void nhwc_tile(const DepthwiseJob& j, const float* const* table, int64_t rows, int64_t step, int64_t o,
                          int64_t valid, float* y, const float* r) {
  constexpr int kCols = table_columns<kPixels, kKw, kStride>();
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t K = j.out_channels;
  const auto load = [&](const float* at) { return kTail ? load_channels(d, at, valid) : hn::LoadU(d, at); };
  V acc[kPixels];
  for (int p = 0; p < kPixels; ++p) {
    acc[p] = chain_start(d, j, r ? r + p * j.out_stride + o : nullptr, kTail ? static_cast<size_t>(valid) : hn::Lanes(d));
  }
  // kKw = 3 comes with 3 rows (DepthwiseNhwc), which unroll too: that keeps
  // each accumulator in one register, where a runtime row loop spilled and
  // shuffled them (mbv2_dw_3x3_144 ran 1.1x slower). Five unrolled rows of
  // 5x5 measured slower than the loop (the body is four times the size).
  const int64_t row_count = kKw == 3 ? 3 : rows;
  XCONV_UNROLL_TAPS
  for (int64_t row = 0; row < row_count; ++row) {
    V w[kKw];
    for (int s = 0; s < kKw; ++s) w[s] = load(j.weights + (row * kKw + s) * K + o);
    const float* const* columns = table + row * kCols;
    const float* at = columns[0] + o;  // kInside: column c, stepped
    XCONV_UNROLL_COLUMNS
    for (int c = 0; c < kCols; ++c, at += step) {
      V x = load(kInside ? at : columns[c] + o);
      keep_in_register(x);
      XCONV_UNROLL_TAPS
      for (int s = 0; s < kKw; ++s) {  // the taps that read column c: pixel p = (c - s) / kStride
        const int q = c - s;
        if (q >= 0 && q % kStride == 0 && q / kStride < kPixels) acc[q / kStride] = hn::MulAdd(w[s], x, acc[q / kStride]);
      }
    }
  }
  if (kTail) {  // the sums out through a buffer, finished one by one
    for (int p = 0; p < kPixels; ++p) {
      float sums[64] = {};  // more than any target's vector
      hn::StoreU(acc[p], d, sums);
      float* out = y + p * j.out_stride + o;
      for (int64_t i = 0; i < valid; ++i) out[i] = finish_point(j, o + i, sums[i]);
    }
    return;
  }
  const Finish<decltype(d)> finish(d, j, o, true);
  for (int p = 0; p < kPixels; ++p) hn::StoreU(finish(acc[p]), d, y + p * j.out_stride + o);
}

// Whether every tap of output pixels [ow0, ow0 + count) of row oh is inside the image.
HWY_INLINE bool taps_inside(const DepthwiseJob& j, int64_t oh, int64_t ow0, int64_t count) {
  const int64_t ih0 = oh * j.stride_h - j.pad_top, ih1 = ih0 + (j.kh - 1) * j.dilation_h;
  const int64_t iw0 = ow0 * j.stride_w - j.pad_left;
  const int64_t iw1 = (ow0 + count - 1) * j.stride_w - j.pad_left + (j.kw - 1) * j.dilation_w;
  return ih0 >= 0 && ih1 < j.in_h && iw0 >= 0 && iw1 < j.in_w;
}

// The table of a tile of kPixels pixels of row oh from ow0 (see nhwc_tile):
// its rows are the kernel rows (kKw > 1: the kernel is kKw wide, dilation 1)
// or the taps (kKw = 1), and returns how many. With `inside` (every tap in
// the image) only each row's first column is written: the stepped tiles
// read no other (1.01-1.04x in one-process A/B runs, both ISAs).
template <int kPixels, int kKw, int kStride>
HWY_INLINE int64_t fill_column_table(const DepthwiseJob& j, const float* image, const float* zeros, int64_t oh,
                                     int64_t ow0, bool inside, const float** table) {
  constexpr int kCols = table_columns<kPixels, kKw, kStride>();
  const int64_t per_kernel_row = kKw > 1 ? 1 : j.kw;  // table rows
  const int64_t column_step = kKw > 1 ? 1 : j.stride_w;  // input columns between table columns
  for (int64_t row = 0; row < j.kh * per_kernel_row; ++row) {
    const int64_t ih = oh * j.stride_h - j.pad_top + row / per_kernel_row * j.dilation_h;
    const int64_t iw0 = ow0 * j.stride_w - j.pad_left + row % per_kernel_row * j.dilation_w;
    const float** entry = table + row * kCols;
    if (inside) {
      *entry = image + (ih * j.in_w + iw0) * j.in_stride;
      continue;
    }
    // Columns [first, end) are inside the image, the rest padding.
    int64_t first = kCols, end = kCols;
    if (ih >= 0 && ih < j.in_h) {
      first = iw0 >= 0 ? 0 : std::min<int64_t>(kCols, (-iw0 + column_step - 1) / column_step);
      end = std::max(first, std::min<int64_t>(kCols, (j.in_w - iw0 + column_step - 1) / column_step));
    }
    const float* x = image + (ih * j.in_w + iw0 + first * column_step) * j.in_stride;
    const int64_t x_step = column_step * j.in_stride;
    for (int64_t c = 0; c < first; ++c) entry[c] = zeros;
    for (int64_t c = first; c < end; ++c, x += x_step) entry[c] = x;
    for (int64_t c = end; c < kCols; ++c) entry[c] = zeros;
  }
  return j.kh * per_kernel_row;
}

// The input rows the next output row reads and this one does not, under
// this tile's columns (DepthwiseJob::prefetch_batch): one for stride 1, two
// for stride 2 (dilation 1; with dilation only the last kernel row's).
// The hardware prefetchers do not follow a tile's passes over 64-byte
// slices of pixels. Each pass asks for its own slice of those rows, so the
// requests spread over the tile's work instead of arriving in a burst
// that the miss buffers cannot hold (mbv2_dw_3x3_144_n8, 1 thread: 38 ->
// 50 GFLOP/s; the same layer at stride 2: 25 -> 33).
struct NextRows {
  const float* row[2];
  int count;
  int64_t columns;  // input columns from row[i]: the tile's, clipped to the image
};

template <int kPixels, int kKw, int kStride>
HWY_INLINE NextRows next_rows(const DepthwiseJob& j, bool prefetch, const float* image, int64_t oh, int64_t ow0) {
  NextRows next{{nullptr, nullptr}, 0, 0};
  if (!prefetch) return next;
  const int64_t iw0 = std::max<int64_t>(0, ow0 * j.stride_w - j.pad_left);
  const int64_t iw1 = std::min<int64_t>(j.in_w, ow0 * j.stride_w - j.pad_left + table_columns<kPixels, kKw, kStride>());
  const int64_t last = (oh + 1) * j.stride_h - j.pad_top + (j.kh - 1) * j.dilation_h;
  const int64_t rows = j.dilation_h == 1 ? std::min<int64_t>(std::min<int64_t>(j.stride_h, j.kh), 2) : 1;
  for (int64_t ih = last; ih > last - rows; --ih) {
    if (ih >= 0 && ih < j.in_h && iw0 < iw1) next.row[next.count++] = image + (ih * j.in_w + iw0) * j.in_stride;
  }
  next.columns = iw1 - iw0;
  return next;
}

// Asks for channels [o, o + a vector) of the next rows' columns.
HWY_INLINE void prefetch_next_rows(const DepthwiseJob& j, const NextRows& next, int64_t o) {
  for (int i = 0; i < next.count; ++i) {
    for (int64_t c = 0; c < next.columns; ++c) hwy::Prefetch(next.row[i] + c * j.in_stride + o);
  }
}

// A tile's form: its table rows, and whether every tap is inside the image
// (the stepped form, only for the full tiles, most of a row: each form of
// each tile is a large unrolled body, and they add up in compile time).
struct TileForm {
  int64_t rows;
  bool inside;
};

template <int kPixels, int kKw>
HWY_INLINE TileForm tile_form(const DepthwiseJob& j, int64_t oh, int64_t ow0) {
  return TileForm{kKw > 1 ? j.kh : j.kh * j.kw, kPixels == kTilePixels && taps_inside(j, oh, ow0, kPixels)};
}

// The pointers in a tile's table: its rows of table_columns each.
template <int kPixels, int kKw, int kStride>
HWY_INLINE int64_t tile_table_size(const DepthwiseJob& j) {
  return tile_form<kPixels, kKw>(j, 0, 0).rows * table_columns<kPixels, kKw, kStride>();
}

// Calls f(std::integral_constant<int, P>(), ow) for the tiles of an output
// row in order: kTilePixels pixels, then 7, then single ones.
template <class F>
HWY_INLINE void for_each_tile(int64_t out_w, const F& f) {
  int64_t ow = 0;
  for (; ow + kTilePixels <= out_w; ow += kTilePixels) f(std::integral_constant<int, kTilePixels>(), ow);
  for (; ow + 7 <= out_w; ow += 7) f(std::integral_constant<int, 7>(), ow);
  for (; ow < out_w; ++ow) f(std::integral_constant<int, 1>(), ow);
}

// Every channel of a tile of kPixels pixels from its table: a vector at a
// time, then the channels past the last whole vector.
template <int kPixels, int kKw, int kStride>
HWY_INLINE void tile_channels(const DepthwiseJob& j, const NextRows& next, const float* const* table, TileForm form,
                              float* y, const float* r) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>())), C = j.out_channels;
  const int64_t step = (kKw > 1 ? 1 : j.stride_w) * j.in_stride;  // floats between a row's columns
  int64_t o = 0;
  if (form.inside) {
    for (; o + lanes <= C; o += lanes) {
      prefetch_next_rows(j, next, o);
      nhwc_tile<kPixels, kKw, kStride, false, true>(j, table, form.rows, step, o, 0, y, r);
    }
  } else {
    for (; o + lanes <= C; o += lanes) {
      prefetch_next_rows(j, next, o);
      nhwc_tile<kPixels, kKw, kStride, false, false>(j, table, form.rows, step, o, 0, y, r);
    }
  }
  if (o < C) {
    prefetch_next_rows(j, next, o);
    nhwc_tile<kPixels, kKw, kStride, true, false>(j, table, form.rows, step, o, C - o, y, r);
  }
}

// Writes the tables of every tile of output row oh (for_each_tile's
// order) from `table` on, and returns where the next row's tables start.
template <int kKw, int kStride>
HWY_INLINE const float** fill_row_tables(const DepthwiseJob& j, const float* image, const float* zeros, int64_t oh,
                                         const float** table) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  // The channel tail reads every column of a table; without one the
  // stepped tiles read only each row's first.
  const bool first_columns = j.out_channels % lanes == 0;
  for_each_tile(j.out_w, [&](auto pixels, int64_t ow) {
    constexpr int P = decltype(pixels)::value, Kw = P == 1 ? 1 : kKw, S = P == 1 ? 1 : kStride;
    fill_column_table<P, Kw, S>(j, image, zeros, oh, ow, tile_form<P, Kw>(j, oh, ow).inside && first_columns, table);
    table += tile_table_size<P, Kw, S>(j);
  });
  return table;
}

// The row order (DepthwiseJob::sweep_rows): output row oh of one image,
// each tile's channels before the next tile's.
template <int kKw, int kStride>
HWY_INLINE void nhwc_row(const DepthwiseJob& j, bool prefetch, const float* image, const float* zeros,
                         const float** tables, int64_t oh, float* y_image, const float* r_image) {
  fill_row_tables<kKw, kStride>(j, image, zeros, oh, tables);
  const float* const* table = tables;
  for_each_tile(j.out_w, [&](auto pixels, int64_t ow) {
    constexpr int P = decltype(pixels)::value, Kw = P == 1 ? 1 : kKw, S = P == 1 ? 1 : kStride;
    const int64_t at = (oh * j.out_w + ow) * j.out_stride;
    const NextRows next = next_rows<P, Kw, S>(j, prefetch, image, oh, ow);
    tile_channels<P, Kw, S>(j, next, table, tile_form<P, Kw>(j, oh, ow), y_image + at,
                            r_image ? r_image + at : nullptr);
    table += tile_table_size<P, Kw, S>(j);
  });
}

// The vector of channels from o (kTail: the `valid` < lanes channels
// past the last whole vector) of the tile of kPixels from ow on row oh,
// whose table is at `table`.
template <int kPixels, int kKw, int kStride, bool kTail>
HWY_INLINE void tile_vector(const DepthwiseJob& j, const float* const* table, int64_t oh, int64_t ow, int64_t o,
                            int64_t valid, float* y_image, const float* r_image) {
  const int64_t step = (kKw > 1 ? 1 : j.stride_w) * j.in_stride;  // floats between a row's columns
  const TileForm form = tile_form<kPixels, kKw>(j, oh, ow);
  const int64_t at = (oh * j.out_w + ow) * j.out_stride;
  float* y = y_image + at;
  const float* r = r_image ? r_image + at : nullptr;
  if (kTail) {
    nhwc_tile<kPixels, kKw, kStride, true, false>(j, table, form.rows, step, o, valid, y, r);
  } else if (form.inside) {
    nhwc_tile<kPixels, kKw, kStride, false, true>(j, table, form.rows, step, o, 0, y, r);
  } else {
    nhwc_tile<kPixels, kKw, kStride, false, false>(j, table, form.rows, step, o, 0, y, r);
  }
}

// One vector of channels from o (see tile_vector) of every tile of output
// rows [oh0, oh1), whose tables follow each other from `tables`.
template <int kKw, int kStride, bool kTail>
HWY_INLINE void band_vector(const DepthwiseJob& j, const float* const* tables, int64_t oh0, int64_t oh1, int64_t o,
                            int64_t valid, float* y_image, const float* r_image) {
  const int64_t big = tile_table_size<kTilePixels, kKw, kStride>(j), seven = tile_table_size<7, kKw, kStride>(j),
                single = tile_table_size<1, 1, 1>(j);
  const float* const* table = tables;
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    int64_t ow = 0;
    for (; ow + kTilePixels <= j.out_w; ow += kTilePixels, table += big) {
      tile_vector<kTilePixels, kKw, kStride, kTail>(j, table, oh, ow, o, valid, y_image, r_image);
    }
    for (; ow + 7 <= j.out_w; ow += 7, table += seven) {
      tile_vector<7, kKw, kStride, kTail>(j, table, oh, ow, o, valid, y_image, r_image);
    }
    for (; ow < j.out_w; ++ow, table += single) {
      tile_vector<1, 1, 1, kTail>(j, table, oh, ow, o, valid, y_image, r_image);
    }
  }
}

// The sweep (DepthwiseJob::sweep_rows): output rows [oh0, oh1) of one
// image, a vector of channels at a time down all the rows, so that
// each output row finds in L1 the input rows the row above it read. The
// tables of all the band's tiles are written first. The tiles are walked
// by plain loops here, not for_each_tile: with the vector's tile calls in a
// lambda, mbv2_dw_3x3s2_144 ran 0.89-0.90x oneDNN where the loops run it
// 0.97-1.01x (AVX-512, 1 thread, alternating processes).
template <int kKw, int kStride>
HWY_NOINLINE void nhwc_band(const DepthwiseJob& j, const float* image, const float* zeros, const float** tables,
                            int64_t oh0, int64_t oh1, float* y_image, const float* r_image) {
  const float** end = tables;
  for (int64_t oh = oh0; oh < oh1; ++oh) end = fill_row_tables<kKw, kStride>(j, image, zeros, oh, end);
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>())), C = j.out_channels;
  int64_t o = 0;
  for (; o + lanes <= C; o += lanes) band_vector<kKw, kStride, false>(j, tables, oh0, oh1, o, lanes, y_image, r_image);
  if (o < C) band_vector<kKw, kStride, true>(j, tables, oh0, oh1, o, C - o, y_image, r_image);
}

// Channel o of output pixel (oh, ow), tap by tap (multipliers above 1, and
// the channels past the last whole vector).
HWY_INLINE float nhwc_point(const DepthwiseJob& j, const float* image, int64_t oh, int64_t ow, int64_t o,
                            float start) {
  const float acc = tap_chain(
      j, oh, ow, start,
      [&](int64_t ih, int64_t iw) { return image[(ih * j.in_w + iw) * j.in_stride + o / j.multiplier]; },
      [&](int64_t r, int64_t s) { return j.weights[(r * j.kw + s) * j.out_channels + o]; });
  return finish_point(j, o, acc);
}

void DepthwiseNhwc(const DepthwiseJob& j, const RunTensors& t, float* scratch, size_t task) {
  const int64_t C = j.out_channels;
  if (j.multiplier != 1) {  // several outputs per input channel: tap by tap, a row a task
    const int64_t n = static_cast<int64_t>(task) / j.out_h, oh = static_cast<int64_t>(task) % j.out_h;
    const float* image = t.input + n * j.in_image_stride;
    const int64_t row_offset = n * j.out_image_stride + oh * j.out_w * j.out_stride;
    float* y_row = t.output + row_offset;
    const float* r_row = t.residual ? t.residual + row_offset : nullptr;
    for (int64_t ow = 0; ow < j.out_w; ++ow) {
      for (int64_t o = 0; o < C; ++o) {
        const int64_t at = ow * j.out_stride + o;
        y_row[at] = nhwc_point(j, image, oh, ow, o, point_start(j, r_row ? r_row + at : nullptr));
      }
    }
    return;
  }
  // The task's image and rows (depthwise.h): a row, or a band of rows.
  const bool sweeps = depthwise_sweeps(j, t.batch);
  const int64_t band = sweeps ? j.sweep_rows : 1, bands = (j.out_h + band - 1) / band;
  const int64_t n = static_cast<int64_t>(task) / bands, oh0 = static_cast<int64_t>(task) % bands * band;
  const int64_t oh1 = std::min(oh0 + band, j.out_h);
  const float* image = t.input + n * j.in_image_stride;
  float* y_image = t.output + n * j.out_image_stride;
  const float* r_image = t.residual ? t.residual + n * j.out_image_stride : nullptr;
  // The workspace (plan_depthwise_workspace): a row of zeros for the
  // padding taps, then the tap tables, aligned for pointers.
  memset(scratch, 0, static_cast<size_t>(j.channels) * sizeof(float));
  const uintptr_t after_zeros = reinterpret_cast<uintptr_t>(scratch + j.channels);
  const float** tables = reinterpret_cast<const float**>((after_zeros + alignof(float*) - 1) & ~(alignof(float*) - 1));
  const bool prefetch = t.batch >= j.prefetch_batch;
  const auto rows = [&](auto kw, auto stride) {
    constexpr int kKw = decltype(kw)::value, kStride = decltype(stride)::value;
    if constexpr (kKw > 1) {  // only sliding tiles sweep (plan_depthwise_sweep)
      if (sweeps) return nhwc_band<kKw, kStride>(j, image, scratch, tables, oh0, oh1, y_image, r_image);
    }
    nhwc_row<kKw, kStride>(j, prefetch, image, scratch, tables, oh0, y_image, r_image);
  };
  using One = std::integral_constant<int, 1>;
  using Two = std::integral_constant<int, 2>;
  using Three = std::integral_constant<int, 3>;
  using Five = std::integral_constant<int, 5>;
  if (!nhwc_tiles_slide(j)) return rows(One(), One());
  if (j.kw == 3) return j.stride_w == 1 ? rows(Three(), One()) : rows(Three(), Two());
  return j.stride_w == 1 ? rows(Five(), One()) : rows(Five(), Two());
}

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
  hn::Vec<D> acc[kPixels];
  for (int p = 0; p < kPixels; ++p) {
    acc[p] = chain_start(d, j, r_row ? r_row + (ow0 + p) * j.out_stride + o0 : nullptr, hn::Lanes(d));
  }
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
  const Finish<D> finish(d, j, o0, true);
  for (int p = 0; p < kPixels; ++p) hn::StoreU(finish(acc[p]), d, y_row + (ow0 + p) * j.out_stride + o0);
}

// Pixels per grouped_columns tile: accumulators, a column and its
// permutation in registers (the weights are FMA memory operands), within
// AVX2's 16 and the other targets' 32; multiples of 7 like the images.
constexpr int kGroupedPixels = HWY_TARGET == HWY_AVX2 ? 7 : 14;

// kPixels output pixels of row oh from ow0 for a 3-wide kernel at stride 1
// (dilation 1 in width): the form of nhwc_tile for groups. Each input
// column of a kernel row is loaded and permuted once per input channel i,
// then multiplied by every tap that reads it, where grouped_block permutes
// it again for each of the three; the permutations, not the FMAs, bound
// these layers. Each output's chain still runs r, s, i in order: the bits
// of grouped_block. The input channels are a template argument so that
// every loop unrolls: with a runtime channel loop inside, GCC kept the
// accumulators in memory and the tiles ran at 0.56-0.81x grouped_block.
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

template <int kPixels, int kGroupIn, bool kSquare, class D>
HWY_INLINE void grouped_columns(const DepthwiseJob& j, const LaneIndices<D>* lane_of, const float* image, int64_t oh,
                                int64_t ow0, int64_t o0, float* y_row, const float* r_row) {
  constexpr int kKw = 3, kCols = kPixels + kKw - 1;
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), in0 = o0 / j.multiplier * kGroupIn;
  hn::Vec<D> acc[kPixels];
  for (int p = 0; p < kPixels; ++p) {
    acc[p] = chain_start(d, j, r_row ? r_row + (ow0 + p) * j.out_stride + o0 : nullptr, hn::Lanes(d));
  }
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
  const Finish<D> finish(d, j, o0, true);
  for (int p = 0; p < kPixels; ++p) hn::StoreU(finish(acc[p]), d, y_row + (ow0 + p) * j.out_stride + o0);
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

void GroupedNhwc(const DepthwiseJob& j, const RunTensors& t, float*, size_t task) {
  const hn::ScalableTag<float> d;
  using D = decltype(d);
  const int64_t n = static_cast<int64_t>(task) / j.out_h, oh = static_cast<int64_t>(task) % j.out_h;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), K = j.out_channels;
  LaneIndices<D> lane_of[64];  // group_in <= group_out <= lanes <= 64
  for (int64_t i = 0; i < j.group_in; ++i) {
    int32_t index[64];
    for (int64_t l = 0; l < lanes; ++l) index[l] = static_cast<int32_t>(l / j.multiplier * j.group_in + i);
    lane_of[i] = hn::SetTableIndices(d, index);
  }
  const float* image = t.input + n * j.in_image_stride;
  const int64_t row_offset = n * j.out_image_stride + oh * j.out_w * j.out_stride;
  float* y_row = t.output + row_offset;
  const float* r_row = t.residual ? t.residual + row_offset : nullptr;
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

// Defines this target's entry points (declared in depthwise.h); each
// depthwise_<target>.cc is this one line.
#define XCONV_EXPORT_DEPTHWISE(target)                                                                  \
  namespace xconv {                                                                                     \
  void depthwise_nchw_##target(const DepthwiseJob& job, const RunTensors& t, float* scratch, size_t task) { \
    HWY_STATIC_DISPATCH(DepthwiseNchw)(job, t, scratch, task);                                            \
  }                                                                                                       \
  void depthwise_nhwc_##target(const DepthwiseJob& job, const RunTensors& t, float* scratch, size_t task) { \
    HWY_STATIC_DISPATCH(DepthwiseNhwc)(job, t, scratch, task);                                            \
  }                                                                                                       \
  void grouped_nhwc_##target(const DepthwiseJob& job, const RunTensors& t, float* scratch, size_t task) {   \
    HWY_STATIC_DISPATCH(GroupedNhwc)(job, t, scratch, task);                                              \
  }                                                                                                       \
  }  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_
