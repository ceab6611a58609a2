// The depthwise loops over NHWC images (see depthwise.h): tiles of output
// pixels by a vector of channels, read through tables of input pixel
// pointers, in the row order or, on AVX-512, swept by bands of rows.
// Written once with Highway.
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NHWC_INL_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NHWC_INL_H_

#include <string.h>

#include <algorithm>
#include <type_traits>

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "kernels/paths/depthwise/depthwise_shared-inl.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

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
// pixels of `rows` table rows from `table`; with `held` (not with kTail)
// streamed past the caches through it (stream_pixels), else stored.
// With kInside every column of the tile is inside the image, so a row's
// columns follow its first at `step` floats: one pointer load a row, not
// one a column (at stride 2, 29 columns serve 42 FMAs a row).
template <int kPixels, int kKw, int kStride, bool kTail, bool kInside>
HWY_INLINE void nhwc_tile(const DepthwiseJob& j, const float* const* table, int64_t rows, int64_t step, int64_t o,
                          int64_t valid, float* y, const float* r, float* held) {
  constexpr int kCols = table_columns<kPixels, kKw, kStride>();
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t K = j.out_channels;
  const auto load = [&](const float* at) { return kTail ? load_channels(d, at, valid) : hn::LoadU(d, at); };
  V tile[1][kPixels];  // start_pixels' and store_pixels' shape
  V(&acc)[kPixels] = tile[0];
  start_pixels(d, j, o, r, kTail ? static_cast<size_t>(valid) : hn::Lanes(d), tile);
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
  if (held) return stream_pixels(d, j, o, tile, y, held);
  store_pixels(d, j, o, tile, y);
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

// The whole vectors of channels of a tile, from channel 0 (see
// tile_channels); returns the first channel it left.
template <int kPixels, int kKw, int kStride, bool kInside>
HWY_INLINE int64_t whole_vectors(const DepthwiseJob& j, const NextRows& next, const float* const* table, int64_t rows,
                                 int64_t step, float* y, const float* r, float* held) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>())), C = j.out_channels;
  int64_t o = 0;
  for (; o + lanes <= C; o += lanes) {
    prefetch_next_rows(j, next, o);
    nhwc_tile<kPixels, kKw, kStride, false, kInside>(j, table, rows, step, o, 0, y, r, held);
  }
  return o;
}

// whole_vectors for a tile with no residual to start from, stored, not
// streamed: most tiles of most layers. A function of its own, where these
// are constants, because inlined into tile_channels with the residual and
// the streaming as run-time values, the loop's accumulators spilled. This
// way (AVX2 on Zen 3, one process alternating the two) the inside tiles ran
// mbv2_dw_3x3_144 1.04-1.05x faster, its batch of 8 1.07-1.10x, the
// stride-2 and 5x5 layers 1.00-1.02x; the edge tiles too, a further
// 1.00-1.07x (7x7 images, all edges, gain most).
template <int kPixels, int kKw, int kStride, bool kInside>
HWY_NOINLINE int64_t plain_vectors(const DepthwiseJob& j, const NextRows& next, const float* const* table,
                                   int64_t rows, int64_t step, float* y) {
  return whole_vectors<kPixels, kKw, kStride, kInside>(j, next, table, rows, step, y, nullptr, nullptr);
}

// Every channel of a tile of kPixels pixels from its table: a vector at a
// time, then the channels past the last whole vector; with `stream` past
// the caches (streams_output: no channels past the last vector then).
template <int kPixels, int kKw, int kStride>
HWY_INLINE void tile_channels(const DepthwiseJob& j, const NextRows& next, bool stream, const float* const* table,
                              TileForm form, float* y, const float* r) {
  const int64_t step = (kKw > 1 ? 1 : j.stride_w) * j.in_stride;  // floats between a row's columns
  alignas(64) float lines[kPixels * kLineFloats];
  float* held = stream ? lines : nullptr;
  int64_t o;
  if (!r && !held) {
    o = form.inside ? plain_vectors<kPixels, kKw, kStride, true>(j, next, table, form.rows, step, y)
                    : plain_vectors<kPixels, kKw, kStride, false>(j, next, table, form.rows, step, y);
  } else {
    o = form.inside ? whole_vectors<kPixels, kKw, kStride, true>(j, next, table, form.rows, step, y, r, held)
                    : whole_vectors<kPixels, kKw, kStride, false>(j, next, table, form.rows, step, y, r, held);
  }
  const int64_t C = j.out_channels;
  if (o < C) {
    prefetch_next_rows(j, next, o);
    nhwc_tile<kPixels, kKw, kStride, true, false>(j, table, form.rows, step, o, C - o, y, r, nullptr);
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
// each tile's channels before the next tile's; with `from_dram` asking
// ahead for the next row's input rows and with `stream` streaming the
// output (DepthwiseJob::prefetch_batch).
template <int kKw, int kStride>
HWY_INLINE void nhwc_row(const DepthwiseJob& j, bool from_dram, bool stream, const float* image, const float* zeros,
                         const float** tables, int64_t oh, float* y_image, const float* r_image) {
  fill_row_tables<kKw, kStride>(j, image, zeros, oh, tables);
  const float* const* table = tables;
  for_each_tile(j.out_w, [&](auto pixels, int64_t ow) {
    constexpr int P = decltype(pixels)::value, Kw = P == 1 ? 1 : kKw, S = P == 1 ? 1 : kStride;
    const int64_t at = (oh * j.out_w + ow) * j.out_stride;
    const NextRows next = next_rows<P, Kw, S>(j, from_dram, image, oh, ow);
    tile_channels<P, Kw, S>(j, next, stream, table, tile_form<P, Kw>(j, oh, ow), y_image + at,
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
    nhwc_tile<kPixels, kKw, kStride, true, false>(j, table, form.rows, step, o, valid, y, r, nullptr);
  } else if (form.inside) {
    nhwc_tile<kPixels, kKw, kStride, false, true>(j, table, form.rows, step, o, 0, y, r, nullptr);
  } else {
    nhwc_tile<kPixels, kKw, kStride, false, false>(j, table, form.rows, step, o, 0, y, r, nullptr);
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

// Whether a run from DRAM streams its output (tile_channels): where
// streamed stores bypass the caches (x86), and every pixel's channels
// are whole lines from a line's start.
HWY_INLINE bool streams_output(const DepthwiseJob& j, const float* output) {
  return HWY_ARCH_X86 && j.out_stride % kLineFloats == 0 && j.out_channels % kLineFloats == 0 &&
         j.out_image_stride % kLineFloats == 0 && reinterpret_cast<uintptr_t>(output) % (kLineFloats * sizeof(float)) == 0;
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
  const bool from_dram = t.batch >= j.prefetch_batch, stream = from_dram && streams_output(j, t.output);
  const auto rows = [&](auto kw, auto stride) {
    constexpr int kKw = decltype(kw)::value, kStride = decltype(stride)::value;
    if constexpr (kKw > 1) {  // only sliding tiles sweep (plan_depthwise_sweep)
      if (sweeps) return nhwc_band<kKw, kStride>(j, image, scratch, tables, oh0, oh1, y_image, r_image);
    }
    nhwc_row<kKw, kStride>(j, from_dram, stream, image, scratch, tables, oh0, y_image, r_image);
    if (stream) hwy::FlushStream();  // the streamed lines out before the task ends (run.cc's threads see it end)
  };
  using One = std::integral_constant<int, 1>;
  using Two = std::integral_constant<int, 2>;
  using Three = std::integral_constant<int, 3>;
  using Five = std::integral_constant<int, 5>;
  if (!nhwc_tiles_slide(j)) return rows(One(), One());
  if (j.kw == 3) return j.stride_w == 1 ? rows(Three(), One()) : rows(Three(), Two());
  return j.stride_w == 1 ? rows(Five(), One()) : rows(Five(), Two());
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NHWC_INL_H_
