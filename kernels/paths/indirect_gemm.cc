#include "kernels/paths/indirect_gemm.h"

#include <algorithm>

#include "kernels/paths/gemm_tasks.h"

namespace xconv {
namespace {

// Largest kernel-row segment (S * C floats) that the row mode copies for
// pixels at the image's left and right edges.
constexpr int64_t kMaxRowSegment = 512;

// How one tile's pointers read the input.
struct Taps {
  bool pointwise;    // 1x1 without padding: a row's one tap is its input pixel, always inside
  bool whole_rows;   // one pointer per kernel row (S * C contiguous floats), else per tap
  size_t count;      // ks: pointers per tile row
  size_t floats;     // kc: floats read through each pointer
  size_t per_row;    // taps per kernel row: S, or 1 in the row mode
};

Taps taps_of(const ConvShape& s) {
  const xconv_conv2d_desc& d = s.d;
  // In an NHWC image the S taps of one kernel row, all channels, are one
  // contiguous run when the columns are not dilated and there is one group:
  // one pointer per kernel row, S times fewer, each reading S * C floats in
  // the order (s, c) that the weights already have.
  const bool whole_rows = d.groups == 1 && d.dilation_width == 1 && d.kernel_width > 1 &&
                          s.in_pixel_stride == d.in_channels && d.kernel_width * d.in_channels <= kMaxRowSegment;
  if (whole_rows) {
    return {false, true, static_cast<size_t>(d.kernel_height), static_cast<size_t>(d.kernel_width * d.in_channels), 1};
  }
  const bool pointwise = d.kernel_height == 1 && d.kernel_width == 1 && d.pad_top == 0 && d.pad_left == 0 &&
                         d.pad_bottom == 0 && d.pad_right == 0;
  return {pointwise, false, static_cast<size_t>(d.kernel_height * d.kernel_width), static_cast<size_t>(s.group_in),
          static_cast<size_t>(d.kernel_width)};
}

// The taps [begin, end) of one tile that the kernel runs: all of them, or
// with skip_padding_rows those of the kernel rows that read the image for
// at least one of the tile's pixels (indirect_gemm.h).
struct LiveTaps {
  size_t begin, end;
};

// The first kernel row of output row oh that reads an input row inside the
// image, and one past the last (first >= end: none). Both only fall as oh
// grows.
int64_t first_row_inside(const xconv_conv2d_desc& d, int64_t oh) {
  const int64_t ih0 = oh * d.stride_height - d.pad_top, dil = d.dilation_height;
  if (ih0 >= 0) return 0;
  return dil == 1 ? -ih0 : (-ih0 + dil - 1) / dil;
}
int64_t end_row_inside(const xconv_conv2d_desc& d, int64_t oh) {
  const int64_t ih0 = oh * d.stride_height - d.pad_top, dil = d.dilation_height;
  if (ih0 >= d.in_height) return 0;
  return std::min<int64_t>(d.kernel_height, dil == 1 ? d.in_height - ih0 : (d.in_height - 1 - ih0) / dil + 1);
}

// An output pixel as (image, output row, output column), stepped from one
// to the next without dividing: the batch is folded into the pixels
// (pixel = (n * out_h + oh) * out_w + ow), and tiles follow each other.
struct PixelCursor {
  int64_t n, oh, ow;

  static PixelCursor at(const ConvShape& s, size_t pixel) {
    const int64_t first = static_cast<int64_t>(pixel), image_pixels = s.out_h * s.out_w;
    return {first / image_pixels, first % image_pixels / s.out_w, first % s.out_w};
  }

  void step(const ConvShape& s) {
    if (++ow == s.out_w) {
      ow = 0;
      if (++oh == s.out_h) oh = 0, ++n;
    }
  }
};

// The taps of the tile of `rows` pixels from `first` that the kernel runs:
// all of them, or with skip_padding_rows those of the kernel rows that read
// the image for at least one of its pixels. Its output rows run from the
// first pixel's to the last's (all of them when it crosses into the next
// image); as both bounds of first_row_inside and end_row_inside only fall
// with the row, the last row's first and the first row's end bound them.
LiveTaps live_taps(const xconv_plan& p, const Taps& taps, const PixelCursor& first, size_t rows) {
  if (!p.skip_padding_rows) return {0, taps.count};
  const ConvShape& s = p.shape;
  const int64_t last_ow = first.ow + static_cast<int64_t>(rows) - 1;
  const int64_t last_oh = last_ow < s.out_w ? first.oh : first.oh + last_ow / s.out_w;
  const bool crosses = last_oh >= s.out_h;
  const int64_t lo = first_row_inside(s.d, crosses ? s.out_h - 1 : last_oh);
  const int64_t hi = end_row_inside(s.d, crosses ? 0 : first.oh);
  // A tile wholly in padding still runs (zeros in, bias and clamp out).
  if (lo >= hi) return {0, taps.count};
  return {static_cast<size_t>(lo) * taps.per_row, static_cast<size_t>(hi) * taps.per_row};
}

// Writes the tile's pointers: rows = min(MR, pixels left) valid rows from
// the output pixel at `cursor`, which it leaves at the next tile's first
// pixel; tap-major (out[t * MR + i]); rows past the valid ones repeat the
// last valid row, so the kernel may read all MR. In the row mode a kernel
// row that runs past the image's left or right edge is copied, with zeros
// for the padding, into `edges` (MR * R segments of S * C floats).
void tile_pointers(const xconv_plan& p, const Taps& taps, const float* input, int64_t g, PixelCursor* cursor,
                   size_t rows, size_t MR, const float** out, float* edges) {
  const xconv_conv2d_desc& d = p.shape.d;
  if (taps.pointwise) {
    for (size_t i = 0; i < rows; ++i, cursor->step(p.shape)) {
      out[i] = input + cursor->n * p.shape.in.image_stride + g * p.shape.group_in +
               (cursor->oh * d.stride_height * d.in_width + cursor->ow * d.stride_width) * p.shape.in_pixel_stride;
    }
    for (size_t i = rows; i < MR; ++i) out[i] = out[rows - 1];
    return;
  }
  const int64_t R = d.kernel_height, S = d.kernel_width, H = d.in_height, W = d.in_width, C = d.in_channels;
  const int64_t pixel = p.shape.in_pixel_stride;  // C in the row mode (taps_of)
  const float* zero = p.zero_row.data();
  const int64_t last_ih0 = (R - 1) * d.dilation_height;     // the last kernel row's input row, from ih0
  const int64_t row_step = d.dilation_height * W * C;        // floats between the kernel rows' inputs
  const int64_t column_step = d.stride_width * C;             // floats between neighbouring pixels' inputs
  // One past the last output column whose kernel rows end inside the image
  // (iw0 + S <= W).
  const int64_t interior_end = W - S + d.pad_left >= 0 ? (W - S + d.pad_left) / d.stride_width + 1 : 0;
  for (size_t i = 0; i < rows; ++i, cursor->step(p.shape)) {
    const int64_t n = cursor->n, oh = cursor->oh, ow = cursor->ow;
    const float* group_image = input + n * p.shape.in.image_stride + g * p.shape.group_in;
    const int64_t ih0 = oh * d.stride_height - d.pad_top, iw0 = ow * d.stride_width - d.pad_left;
    const float** row = out + i;
    if (taps.whole_rows && ih0 >= 0 && last_ih0 + ih0 < H && iw0 >= 0 && iw0 + S <= W) {
      // Every kernel row inside the image, the common case, and so for the
      // pixels that follow in this output row up to the right edge's
      // (interior_end): a pointer a row_step apart each, the next pixel's a
      // column_step on. The loop below, with its edges, stays out of it.
      const int64_t run = std::min<int64_t>(static_cast<int64_t>(rows - i), interior_end - ow);
      const float* x = group_image + (ih0 * W + iw0) * C;
      for (int64_t k = 0; k < run; ++k, x += column_step) {
        const float* y = x;
        row = out + i + static_cast<size_t>(k);
        for (int64_t r = 0; r < R; ++r, y += row_step, row += MR) *row = y;
      }
      i += static_cast<size_t>(run - 1), cursor->ow += run - 1;  // the loop steps past the last
      continue;
    }
    for (int64_t r = 0; r < R; ++r) {
      const int64_t ih = ih0 + r * d.dilation_height;
      const bool row_inside = ih >= 0 && ih < H;
      if (taps.whole_rows) {
        if (!row_inside) {
          *row = zero;
        } else if (iw0 >= 0 && iw0 + S <= W) {
          *row = group_image + (ih * W + iw0) * C;
        } else {
          // A plain loop: segments are short (S * C <= 512 floats), often a
          // few floats, where a call to memcpy costs more than the copy.
          float* segment = edges + (i * static_cast<size_t>(R) + static_cast<size_t>(r)) * taps.floats;
          for (int64_t s = 0; s < S; ++s) {
            const int64_t iw = iw0 + s;
            if (iw >= 0 && iw < W) {
              const float* src = group_image + (ih * W + iw) * C;
              for (int64_t c = 0; c < C; ++c) segment[s * C + c] = src[c];
            } else {
              for (int64_t c = 0; c < C; ++c) segment[s * C + c] = 0.0f;
            }
          }
          *row = segment;
        }
        row += MR;
        continue;
      }
      for (int64_t s = 0; s < S; ++s, row += MR) {
        const int64_t iw = iw0 + s * d.dilation_width;
        *row = row_inside && iw >= 0 && iw < W ? group_image + (ih * W + iw) * pixel : zero;
      }
    }
  }
  for (size_t t = 0; t < taps.count; ++t) {
    for (size_t i = rows; i < MR; ++i) out[t * MR + i] = out[t * MR + rows - 1];
  }
}

size_t pointer_floats(const Taps& taps, size_t mr) {
  return (taps.count * mr * sizeof(const float*) + sizeof(float) - 1) / sizeof(float);
}

}  // namespace

size_t indirect_gemm_tap_floats(const ConvShape& s) { return taps_of(s).floats; }

bool indirect_gemm_skips_padding_rows(const ConvShape& s, bool weights_finite) {
  const xconv_conv2d_desc& d = s.d;
  return weights_finite && !d.has_residual && (d.pad_top > 0 || d.pad_bottom > 0);
}

size_t indirect_gemm_tap_block(const ConvShape& s, size_t nc, size_t budget_bytes, size_t kc) {
  const Taps taps = taps_of(s);
  const size_t fit = kc > 0 ? kc / taps.floats : budget_bytes / (taps.floats * nc * sizeof(float));
  if (kc > 0) return std::min(taps.count, std::max<size_t>(1, fit));
  // As many blocks as the budget needs, evened out: 9 taps by at most 8 are
  // 5 + 4, not 8 + 1 (a block's pass over the output costs the same however
  // few taps it has).
  const size_t blocks = (taps.count + std::max<size_t>(1, fit) - 1) / std::max<size_t>(1, fit);
  return (taps.count + blocks - 1) / blocks;
}

size_t indirect_gemm_workspace_floats(const ConvShape& s, size_t mr) {
  const Taps taps = taps_of(s);
  const size_t edges = taps.whole_rows ? mr * taps.count * taps.floats : 0;
  return pointer_floats(taps, mr) + edges;
}

// C[pixel][out channel] = sum over taps and channels of x[pointer][c] * W^T.
void indirect_gemm_task(const xconv_plan& p, const RunExtent& e, const RunTensors& run, float* scratch, size_t task) {
  const TaskRange t = decompose_task(p, e, task);
  const ConvShape& s = p.shape;
  const KernelInfo& k = *p.choice.kernel;
  const size_t MR = k.mr, NR = k.nr, ldc = static_cast<size_t>(s.out_pixel_stride);
  const Taps taps = taps_of(s);
  // With the batch folded into the pixels t.n is 0 and pixels run on across
  // images (whose outputs then follow each other: plan.cc, folds_batch).
  const size_t first_pixel = static_cast<size_t>(t.n * s.out_h * s.out_w);
  float* group_out = run.output + t.n * s.out.image_stride + t.g * s.group_out;
  const float** pointers = reinterpret_cast<const float**>(scratch);
  float* edges = scratch + pointer_floats(taps, MR);
  xconv_epilogue ep = task_epilogue(p);
  ep.ldr = ldc;
  // What the tile loop steps through, read from the plan once: a kernel
  // call may write any memory as far as the compiler knows, so it reloads
  // the plan's fields after every call otherwise (a few percent of a layer
  // with a short reduction).
  const auto igemm = k.igemm;
  const float* bias = bias_for(p, t.g, 0);
  const float* slopes = slope_for(p, t.g, 0);
  const float* panels = weight_panel(p, t.g, 0, 0);
  const size_t panel_depth = p.packed->layout.block_depth(0);  // floats per output channel: the panel

  const PixelCursor task_start = PixelCursor::at(s, first_pixel + t.pixel_begin);
  for (size_t jc = t.out_begin; jc < t.out_end; jc += p.nc) {
    const size_t jc_end = std::min(t.out_end, jc + p.nc);
    // A K block of taps [t0, t1) over every pixel tile, then the next; the
    // tiles' pointers are written again for each (their edge copies too).
    for (size_t t0 = 0; t0 < taps.count; t0 += p.tap_block) {
      const size_t t1 = std::min(taps.count, t0 + p.tap_block);
      PixelCursor cursor = task_start;
      for (size_t ir = t.pixel_begin; ir < t.pixel_end; ir += MR) {
        const size_t rows = std::min(MR, t.pixel_end - ir);
        const LiveTaps live = live_taps(p, taps, cursor, rows);
        tile_pointers(p, taps, run.input, t.g, &cursor, rows, MR, pointers, edges);
        // This block's taps that the tile runs: the first it runs start the
        // chain, the last it runs finish it.
        const size_t a = std::max(t0, live.begin), b = std::min(t1, live.end);
        if (a >= b) continue;
        ep.accumulate = a > live.begin;
        ep.last = b == live.end;
        // One call for the block's output channels, NR at a time in the
        // kernel (ukernel.h): panel after panel, panel_depth * NR apart.
        float* c = group_out + ir * ldc + jc;
        ep.bias_col = bias ? bias + jc : nullptr;
        ep.slope_col = slopes ? slopes + jc : nullptr;
        ep.residual = ep.accumulate ? nullptr : residual_at(run, c);  // the chain's start, read before any write
        igemm(rows, jc_end - jc, taps.floats, b - a, pointers + a * MR, panels + jc * panel_depth + a * taps.floats * NR,
              panel_depth * NR, c, ldc, &ep);
      }
    }
  }
}

}  // namespace xconv
