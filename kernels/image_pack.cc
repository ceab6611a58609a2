#include "kernels/image_pack.h"

#include <algorithm>
#include <cstring>

namespace xconv {
namespace {

// A run of tile columns that lie in one output row: pixels (oh, ow0 + u) for
// u < len, stored at tile column at + u.
struct RowSegment {
  int64_t oh, ow0;
  size_t len, at;
};

// Copies the in-bounds part of one output-row segment for input row `row`
// (or zeros when the whole row is padding): the values x[iw0 + u * stride].
void gather_segment(const float* row, int64_t width, int64_t iw0, int64_t stride, size_t len,
                    float* out) {
  int64_t lo = iw0 >= 0 ? 0 : (-iw0 + stride - 1) / stride;
  int64_t hi = iw0 >= width ? 0 : (width - 1 - iw0) / stride + 1;
  lo = std::min<int64_t>(lo, static_cast<int64_t>(len));
  hi = std::max(lo, std::min<int64_t>(hi, static_cast<int64_t>(len)));
  std::fill(out, out + lo, 0.0f);
  if (stride == 1) {
    std::memcpy(out + lo, row + iw0 + lo, static_cast<size_t>(hi - lo) * sizeof(float));
  } else {
    for (int64_t u = lo; u < hi; ++u) out[u] = row[iw0 + u * stride];
  }
  std::fill(out + hi, out + len, 0.0f);
}

}  // namespace

void pack_image_columns_nchw(const ConvShape& s, const float* group_image, size_t j0, size_t ncols,
                             size_t k0, size_t kc, size_t nr, float* dst) {
  const xconv_conv2d_desc& d = s.d;
  const int64_t H = d.in_height, W = d.in_width, R = d.kernel_height, S = d.kernel_width;
  const size_t out_w = static_cast<size_t>(s.out_w);

  for (size_t t = 0; t < ncols; t += nr) {
    const size_t cols = std::min(nr, ncols - t);
    RowSegment segments[kMaxTile];
    size_t count = 0;
    for (size_t at = 0, p = j0 + t; at < cols; ++count) {
      const size_t ow = p % out_w, len = std::min(cols - at, out_w - ow);
      segments[count] = {static_cast<int64_t>(p / out_w), static_cast<int64_t>(ow), len, at};
      at += len;
      p += len;
    }

    float* out = dst + t * kc;
    int64_t c = static_cast<int64_t>(k0) / (R * S), r = static_cast<int64_t>(k0) / S % R,
            col = static_cast<int64_t>(k0) % S;
    for (size_t kk = 0; kk < kc; ++kk, out += nr) {
      const float* channel = group_image + c * H * W;
      for (size_t i = 0; i < count; ++i) {
        const RowSegment& seg = segments[i];
        const int64_t ih = seg.oh * d.stride_height - d.pad_top + r * d.dilation_height;
        if (ih < 0 || ih >= H) {
          std::fill(out + seg.at, out + seg.at + seg.len, 0.0f);
        } else {
          const int64_t iw0 = seg.ow0 * d.stride_width - d.pad_left + col * d.dilation_width;
          gather_segment(channel + ih * W, W, iw0, d.stride_width, seg.len, out + seg.at);
        }
      }
      std::fill(out + cols, out + nr, 0.0f);
      if (++col == S) {
        col = 0;
        if (++r == R) r = 0, ++c;
      }
    }
  }
}

void pack_image_rows_nhwc(const ConvShape& s, const float* image, int64_t g, size_t i0, size_t nrows,
                          size_t k0, size_t kc, size_t mr, float* dst) {
  const xconv_conv2d_desc& d = s.d;
  const int64_t W = d.in_width, C = d.in_channels, Cg = s.group_in, S = d.kernel_width;
  const size_t out_w = static_cast<size_t>(s.out_w);

  for (size_t t = 0; t < nrows; t += mr) {
    const size_t rows = std::min(mr, nrows - t);
    int64_t oh[kMaxTile], ow[kMaxTile];
    for (size_t ii = 0; ii < rows; ++ii) {
      oh[ii] = static_cast<int64_t>((i0 + t + ii) / out_w);
      ow[ii] = static_cast<int64_t>((i0 + t + ii) % out_w);
    }
    float* out = dst + t * kc;
    // Walk k in runs of channels that share one kernel tap (r, s).
    for (size_t kk = 0; kk < kc;) {
      const int64_t k = static_cast<int64_t>(k0 + kk);
      const int64_t tap = k / Cg, c0 = k % Cg, r = tap / S, col = tap % S;
      const size_t run = std::min(kc - kk, static_cast<size_t>(Cg - c0));
      for (size_t ii = 0; ii < mr; ++ii) {
        float* column = out + kk * mr + ii;
        const float* src = nullptr;
        if (ii < rows) {
          const int64_t ih = oh[ii] * d.stride_height - d.pad_top + r * d.dilation_height;
          const int64_t iw = ow[ii] * d.stride_width - d.pad_left + col * d.dilation_width;
          if (ih >= 0 && ih < d.in_height && iw >= 0 && iw < W) src = image + (ih * W + iw) * C + g * Cg + c0;
        }
        for (size_t u = 0; u < run; ++u) column[u * mr] = src ? src[u] : 0.0f;
      }
      kk += run;
    }
  }
}

}  // namespace xconv
