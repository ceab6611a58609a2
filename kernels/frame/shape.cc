#include "kernels/frame/shape.h"

#include <cinttypes>
#include <cmath>

#include "kernels/frame/error.h"
#include "kernels/frame/raw_enum.h"
#include "kernels/frame/sized_struct.h"

namespace xconv {
namespace {

constexpr int64_t kMaxDim = INT32_MAX;

bool checked_mul(size_t a, size_t b, size_t* out) { return !__builtin_mul_overflow(a, b, out); }

// Product of four sizes as a count of floats whose byte size also fits.
bool element_count(int64_t a, int64_t b, int64_t c, int64_t d, size_t* out) {
  size_t n = 1;
  return checked_mul(n, static_cast<size_t>(a), &n) && checked_mul(n, static_cast<size_t>(b), &n) &&
         checked_mul(n, static_cast<size_t>(c), &n) && checked_mul(n, static_cast<size_t>(d), &n) &&
         n <= PTRDIFF_MAX / sizeof(float) && (*out = n, true);
}

// The descriptor's size when first published (xconv.h's ABI policy).
constexpr size_t kFirstDescSize = offsetof(xconv_conv2d_desc, output_image_stride) + sizeof(int64_t);

// Resolves a tensor's strides (0: dense) into *g and its span in floats, or
// records why not. `which` is "input" or "output".
xconv_status resolve_strides(const char* who, const char* which, int64_t stride, int64_t image_stride, int64_t batch,
                             TensorGeometry* g, size_t* span) {
  const int64_t dense = g->dense_stride();
  if (stride != 0 && stride < dense) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: %s_stride must be 0 (dense) or at least %" PRId64 " (%s), got %" PRId64,
                who, which, dense, g->layout == XCONV_LAYOUT_NCHW ? "height * width" : "the channels", stride);
  }
  // One image's span (TensorGeometry::image_span) and the total, checked.
  const int64_t count = g->layout == XCONV_LAYOUT_NCHW ? g->channels : g->height * g->width;
  const int64_t rest = g->layout == XCONV_LAYOUT_NCHW ? g->height * g->width : g->channels;
  int64_t image_span = 0, total = 0;
  if (__builtin_mul_overflow(count - 1, stride == 0 ? dense : stride, &image_span) ||
      __builtin_add_overflow(image_span, rest, &image_span)) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: the %s tensor's size overflows with %s_stride %" PRId64, who, which,
                which, stride);
  }
  if (image_stride != 0 && image_stride < image_span) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: %s_image_stride must be 0 (dense) or at least one image's span, %" PRId64 ", got %" PRId64, who,
                which, image_span, image_stride);
  }
  g->resolve(stride, image_stride);
  if (batch > 0 && (__builtin_mul_overflow(batch - 1, g->image_stride, &total) ||
                    __builtin_add_overflow(total, image_span, &total) ||
                    static_cast<uint64_t>(total) > PTRDIFF_MAX / sizeof(float))) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: the %s tensor's size overflows with its strides", who, which);
  }
  *span = static_cast<size_t>(total);
  return XCONV_OK;
}

}  // namespace

xconv_status validate_desc(const char* who, const xconv_conv2d_desc* desc, ConvShape* shape) {
  if (desc == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: desc is NULL", who);
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  if (xconv_status s = read_sized(who, "desc", *desc, kFirstDescSize, &d); s != XCONV_OK) return s;

  struct Field { const char* name; int64_t value; int64_t min; };
  const Field fields[] = {
      {"batch", d.batch, 0},  // 0: an empty tensor, valid (ONNX and PyTorch allow it)
      {"in_channels", d.in_channels, 1},
      {"in_height", d.in_height, 1},
      {"in_width", d.in_width, 1},
      {"out_channels", d.out_channels, 1},
      {"kernel_height", d.kernel_height, 1},
      {"kernel_width", d.kernel_width, 1},
      {"stride_height", d.stride_height, 1},
      {"stride_width", d.stride_width, 1},
      {"dilation_height", d.dilation_height, 1},
      {"dilation_width", d.dilation_width, 1},
      {"pad_top", d.pad_top, 0},
      {"pad_left", d.pad_left, 0},
      {"pad_bottom", d.pad_bottom, 0},
      {"pad_right", d.pad_right, 0},
      {"groups", d.groups, 1},
  };
  for (const Field& f : fields) {
    if (f.value < f.min || f.value > kMaxDim) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: %s must be in [%" PRId64 ", %" PRId64 "], got %" PRId64,
                  who, f.name, f.min, kMaxDim, f.value);
    }
  }
  const int layout = raw_enum(d.layout), weight_layout = raw_enum(d.weight_layout);
  if (layout != XCONV_LAYOUT_NCHW && layout != XCONV_LAYOUT_NHWC) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: layout %d is not XCONV_LAYOUT_NCHW or _NHWC", who, layout);
  }
  if (weight_layout != XCONV_WEIGHTS_OIHW && weight_layout != XCONV_WEIGHTS_OHWI &&
      weight_layout != XCONV_WEIGHTS_HWIO) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: weight_layout %d is not OIHW, OHWI or HWIO", who,
                weight_layout);
  }
  if (d.in_channels % d.groups != 0) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: in_channels (%" PRId64 ") is not divisible by groups (%" PRId64 ")", who,
                d.in_channels, d.groups);
  }
  if (d.out_channels % d.groups != 0) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: out_channels (%" PRId64 ") is not divisible by groups (%" PRId64 ")", who,
                d.out_channels, d.groups);
  }
  if (!std::isfinite(d.residual_scale)) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: residual_scale must be finite, got %g", who,
                static_cast<double>(d.residual_scale));
  }
  if (!std::isfinite(d.negative_slope)) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: negative_slope must be finite, got %g", who,
                static_cast<double>(d.negative_slope));
  }
  if (std::isnan(d.output_min) || std::isnan(d.output_max) || d.output_min > d.output_max) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: output_min (%g) must be <= output_max (%g), neither NaN", who,
                static_cast<double>(d.output_min), static_cast<double>(d.output_max));
  }

  // All values are in [0, 2^31), so these int64 sums and products cannot overflow.
  const int64_t padded_h = d.in_height + d.pad_top + d.pad_bottom;
  const int64_t padded_w = d.in_width + d.pad_left + d.pad_right;
  const int64_t extent_h = d.dilation_height * (d.kernel_height - 1) + 1;
  const int64_t extent_w = d.dilation_width * (d.kernel_width - 1) + 1;
  if (extent_h > padded_h || extent_w > padded_w) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: the dilated kernel (%" PRId64 "x%" PRId64 ") is larger than the padded input (%" PRId64
                "x%" PRId64 "): the output would be empty",
                who, extent_h, extent_w, padded_h, padded_w);
  }

  ConvShape s;
  s.d = d;
  s.out_h = (padded_h - extent_h) / d.stride_height + 1;
  s.out_w = (padded_w - extent_w) / d.stride_width + 1;
  s.group_in = d.in_channels / d.groups;
  s.group_out = d.out_channels / d.groups;
  size_t gemm_k = 0;
  if (!element_count(s.group_in, d.kernel_height, d.kernel_width, 1, &gemm_k) || gemm_k > kMaxDim) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: in_channels/groups * kernel_height * kernel_width is too large",
                who);
  }
  s.gemm_k = static_cast<int64_t>(gemm_k);
  if (!element_count(d.batch, d.in_channels, d.in_height, d.in_width, &s.input_elems)) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: the input tensor's size overflows", who);
  }
  if (!element_count(d.batch, d.out_channels, s.out_h, s.out_w, &s.output_elems)) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: the output tensor's size overflows", who);
  }
  if (!element_count(d.out_channels, s.group_in, d.kernel_height, d.kernel_width, &s.weight_elems)) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: the weight tensor's size overflows", who);
  }
  const struct { const char* name; int64_t value; } strides[] = {
      {"input_stride", d.input_stride}, {"input_image_stride", d.input_image_stride},
      {"output_stride", d.output_stride}, {"output_image_stride", d.output_image_stride}};
  for (const auto& f : strides) {
    if (f.value < 0) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: %s must be 0 (dense) or positive, got %" PRId64, who, f.name, f.value);
    }
  }
  s.in = TensorGeometry{d.layout, d.in_channels, d.in_height, d.in_width, 0, 0};
  s.out = TensorGeometry{d.layout, d.out_channels, s.out_h, s.out_w, 0, 0};
  if (xconv_status st = resolve_strides(who, "input", d.input_stride, d.input_image_stride, d.batch, &s.in,
                                        &s.input_span);
      st != XCONV_OK) {
    return st;
  }
  if (xconv_status st = resolve_strides(who, "output", d.output_stride, d.output_image_stride, d.batch, &s.out,
                                        &s.output_span);
      st != XCONV_OK) {
    return st;
  }
  if (d.layout == XCONV_LAYOUT_NHWC) {
    s.in_pixel_stride = s.in.stride;
    s.out_pixel_stride = s.out.stride;
  } else if (d.in_height * d.in_width == 1 && s.out_h * s.out_w == 1 && s.in.stride == 1 && s.out.stride == 1) {
    s.in_pixel_stride = s.in.image_stride;
    s.out_pixel_stride = s.out.image_stride;
  }
  s.out_images_contiguous =
      s.out_pixel_stride != 0 && s.out.image_stride == s.out_h * s.out_w * s.out_pixel_stride;
  *shape = s;
  return XCONV_OK;
}

xconv_status validate_desc_for_planning(const char* who, const xconv_conv2d_desc* desc, ConvShape* shape) {
  if (xconv_status s = validate_desc(who, desc, shape); s != XCONV_OK) return s;
  if (shape->d.batch != 0) return XCONV_OK;
  xconv_conv2d_desc one = shape->d;
  one.batch = 1;
  return validate_desc(who, &one, shape);
}

}  // namespace xconv
