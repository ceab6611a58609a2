// The image packers (see image_pack.h), written once with Highway. Each
// image_pack_<target>.cc includes this once, compiled for one static target;
// everything lives in xconv::HWY_NAMESPACE, so the targets' copies never meet
// at link time. No std:: templates here, for the same reason.
#ifndef XCONV_KERNELS_PACK_IMAGE_PACK_INL_H_
#define XCONV_KERNELS_PACK_IMAGE_PACK_INL_H_

#include <hwy/highway.h>

#include "kernels/pack/image_pack.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

HWY_INLINE size_t smaller(size_t a, size_t b) { return a < b ? a : b; }

// On AVX2 and AVX3, Highway's MaskedLoad and BlendedStore are the
// fault-suppressing masked instructions, so a ragged tail is one masked
// vector. Elsewhere (SSE4, scalar) they may touch the whole vector: the tail
// is copied lane by lane instead, never past the caller's buffers.
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3
#define XCONV_MASKED_TAILS 1
#else
#define XCONV_MASKED_TAILS 0
#endif

HWY_INLINE void copy_floats(float* HWY_RESTRICT dst, const float* HWY_RESTRICT src, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(hn::LoadU(d, src + i), d, dst + i);
  if (i == n) return;
#if XCONV_MASKED_TAILS
  const auto valid = hn::FirstN(d, n - i);
  hn::BlendedStore(hn::MaskedLoad(valid, d, src + i), valid, d, dst + i);
#else
  for (; i < n; ++i) dst[i] = src[i];
#endif
}

HWY_INLINE void zero_floats(float* HWY_RESTRICT dst, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(hn::Zero(d), d, dst + i);
  if (i == n) return;
#if XCONV_MASKED_TAILS
  hn::BlendedStore(hn::Zero(d), hn::FirstN(d, n - i), d, dst + i);
#else
  for (; i < n; ++i) dst[i] = 0.0f;
#endif
}

// A run of tile columns that lie in one output row: pixels (oh, ow0 + u) for
// u < len, stored at tile column at + u.
struct RowSegment {
  int64_t oh, ow0;
  size_t len, at;
};

// Copies the in-bounds part of one output-row segment for input row `row`:
// the values x[iw0 + u * stride] for u < len, zero where the column is padding.
HWY_INLINE void gather_segment(const float* row, int64_t width, int64_t iw0, int64_t stride, size_t len,
                               float* out) {
  const int64_t n = static_cast<int64_t>(len);
  // The valid range; without divisions for stride 1 (this runs for every k).
  int64_t lo, hi;
  if (stride == 1) {
    lo = iw0 >= 0 ? 0 : -iw0;
    hi = width - iw0;
  } else {
    lo = iw0 >= 0 ? 0 : (-iw0 + stride - 1) / stride;
    hi = iw0 >= width ? 0 : (width - 1 - iw0) / stride + 1;
  }
  lo = lo < n ? lo : n;
  hi = hi < n ? hi : n;
  hi = hi > lo ? hi : lo;
  zero_floats(out, static_cast<size_t>(lo));
  if (stride == 1) {
    copy_floats(out + lo, row + iw0 + lo, static_cast<size_t>(hi - lo));
  } else {
    for (int64_t u = lo; u < hi; ++u) out[u] = row[iw0 + u * stride];
  }
  zero_floats(out + hi, static_cast<size_t>(n - hi));
}

void PackColumnsNchw(const ConvShape& s, const float* group_image, size_t j0, size_t ncols, size_t k0, size_t kc,
                     size_t nr, float* dst) {
  const xconv_conv2d_desc& d = s.d;
  const int64_t H = d.in_height, W = d.in_width, R = d.kernel_height, S = d.kernel_width;
  const int64_t plane = s.in.stride;  // from one channel plane to the next
  const size_t out_w = static_cast<size_t>(s.out_w);

  // 1x1, stride 1, no padding: the im2col matrix is the image itself
  // (channels x pixels), so each tile row is one contiguous copy.
  if (R == 1 && S == 1 && d.stride_height == 1 && d.stride_width == 1 && d.pad_top == 0 && d.pad_left == 0 &&
      d.pad_bottom == 0 && d.pad_right == 0) {
    for (size_t t = 0; t < ncols; t += nr) {
      const size_t cols = smaller(nr, ncols - t);
      const float* src = group_image + static_cast<int64_t>(k0) * plane + static_cast<int64_t>(j0 + t);
      float* out = dst + t * kc;
      for (size_t kk = 0; kk < kc; ++kk, out += nr, src += plane) {
        copy_floats(out, src, cols);
        zero_floats(out + cols, nr - cols);
      }
    }
    return;
  }

  for (size_t t = 0; t < ncols; t += nr) {
    const size_t cols = smaller(nr, ncols - t);
    RowSegment segments[kMaxTile];
    size_t count = 0;
    for (size_t at = 0, p = j0 + t; at < cols; ++count) {
      const size_t ow = p % out_w, len = smaller(cols - at, out_w - ow);
      segments[count] = {static_cast<int64_t>(p / out_w), static_cast<int64_t>(ow), len, at};
      at += len;
      p += len;
    }

    float* out = dst + t * kc;
    int64_t c = static_cast<int64_t>(k0) / (R * S), r = static_cast<int64_t>(k0) / S % R,
            col = static_cast<int64_t>(k0) % S;
    for (size_t kk = 0; kk < kc; ++kk, out += nr) {
      const float* channel = group_image + c * plane;
      for (size_t i = 0; i < count; ++i) {
        const RowSegment& seg = segments[i];
        const int64_t ih = seg.oh * d.stride_height - d.pad_top + r * d.dilation_height;
        if (ih < 0 || ih >= H) {
          zero_floats(out + seg.at, seg.len);
        } else {
          const int64_t iw0 = seg.ow0 * d.stride_width - d.pad_left + col * d.dilation_width;
          gather_segment(channel + ih * W, W, iw0, d.stride_width, seg.len, out + seg.at);
        }
      }
      zero_floats(out + cols, nr - cols);
      if (++col == S) {
        col = 0;
        if (++r == R) r = 0, ++c;
      }
    }
  }
}

void PackRowsNhwc(const ConvShape& s, const float* image, int64_t g, size_t i0, size_t nrows, size_t k0,
                  size_t kc, size_t mr, float* dst) {
  const xconv_conv2d_desc& d = s.d;
  const int64_t W = d.in_width, pixel = s.in.stride, Cg = s.group_in, S = d.kernel_width;
  const size_t out_w = static_cast<size_t>(s.out_w);

  for (size_t t = 0; t < nrows; t += mr) {
    const size_t rows = smaller(mr, nrows - t);
    int64_t oh[kMaxTile], ow[kMaxTile];
    for (size_t ii = 0; ii < rows; ++ii) {
      oh[ii] = static_cast<int64_t>((i0 + t + ii) / out_w);
      ow[ii] = static_cast<int64_t>((i0 + t + ii) % out_w);
    }
    float* out = dst + t * kc;
    // Walk k in runs of channels that share one kernel tap (r, s): each row
    // of the tile reads a contiguous run of channels of one input pixel.
    for (size_t kk = 0; kk < kc;) {
      const int64_t k = static_cast<int64_t>(k0 + kk);
      const int64_t tap = k / Cg, c0 = k % Cg, r = tap / S, col = tap % S;
      const size_t run = smaller(kc - kk, static_cast<size_t>(Cg - c0));
      for (size_t ii = 0; ii < mr; ++ii) {
        float* column = out + kk * mr + ii;
        const float* src = nullptr;
        if (ii < rows) {
          const int64_t ih = oh[ii] * d.stride_height - d.pad_top + r * d.dilation_height;
          const int64_t iw = ow[ii] * d.stride_width - d.pad_left + col * d.dilation_width;
          if (ih >= 0 && ih < d.in_height && iw >= 0 && iw < W) src = image + (ih * W + iw) * pixel + g * Cg + c0;
        }
        if (src) {
          for (size_t u = 0; u < run; ++u) column[u * mr] = src[u];
        } else {
          for (size_t u = 0; u < run; ++u) column[u * mr] = 0.0f;
        }
      }
      kk += run;
    }
  }
}

#undef XCONV_MASKED_TAILS

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

// Defines this target's entry points (declared in image_pack.h); each
// image_pack_<target>.cc is this one line.
#define XCONV_EXPORT_IMAGE_PACKERS(target)                                                                  \
  namespace xconv {                                                                                         \
  void pack_columns_nchw_##target(const ConvShape& s, const float* group_image, size_t j0, size_t ncols,   \
                                  size_t k0, size_t kc, size_t nr, float* dst) {                           \
    HWY_STATIC_DISPATCH(PackColumnsNchw)(s, group_image, j0, ncols, k0, kc, nr, dst);                       \
  }                                                                                                         \
  void pack_rows_nhwc_##target(const ConvShape& s, const float* image, int64_t g, size_t i0, size_t nrows, \
                               size_t k0, size_t kc, size_t mr, float* dst) {                              \
    HWY_STATIC_DISPATCH(PackRowsNhwc)(s, image, g, i0, nrows, k0, kc, mr, dst);                             \
  }                                                                                                         \
  }  // namespace xconv

#endif  // XCONV_KERNELS_PACK_IMAGE_PACK_INL_H_
