#include "kernels/ref/conv2d_ref.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/frame/layout.h"

namespace xconv::ref {

RefResult conv2d(const xconv_conv2d_desc& d, const float* input, const float* weights,
                 const float* bias, const float* residual) {
  int64_t out_h = 0, out_w = 0;
  xconv_conv2d_output_size(&d, &out_h, &out_w);
  const int64_t group_in = d.in_channels / d.groups;
  const int64_t group_out = d.out_channels / d.groups;
  const size_t count = static_cast<size_t>(d.batch * d.out_channels * out_h * out_w);
  RefResult result{std::vector<double>(count), std::vector<double>(count)};
  const TensorGeometry in = input_geometry(d), out = output_geometry(d, out_h, out_w);

  for (int64_t n = 0; n < d.batch; ++n) {
    for (int64_t o = 0; o < d.out_channels; ++o) {
      const int64_t g = o / group_out;
      for (int64_t oh = 0; oh < out_h; ++oh) {
        for (int64_t ow = 0; ow < out_w; ++ow) {
          double sum = 0.0, magnitude = 0.0;
          for (int64_t i = 0; i < group_in; ++i) {
            for (int64_t r = 0; r < d.kernel_height; ++r) {
              for (int64_t s = 0; s < d.kernel_width; ++s) {
                const int64_t ih = oh * d.stride_height + r * d.dilation_height - d.pad_top;
                const int64_t iw = ow * d.stride_width + s * d.dilation_width - d.pad_left;
                // Padding is a real zero, multiplied like any input (as in
                // PyTorch): an infinite weight on a padded tap gives NaN.
                const bool inside = ih >= 0 && ih < d.in_height && iw >= 0 && iw < d.in_width;
                const double x = inside ? input[in.offset(n, g * group_in + i, ih, iw)] : 0.0;
                const double w = weights[weight_offset(d.weight_layout, o, i, r, s, d.out_channels,
                                                       group_in, d.kernel_height, d.kernel_width)];
                sum += w * x;
                magnitude += std::fabs(w * x);
              }
            }
          }
          if (bias) {
            sum += bias[o];
            magnitude += std::fabs(static_cast<double>(bias[o]));
          }
          const size_t at = activation_offset(d.layout, n, o, oh, ow, d.out_channels, out_h, out_w);
          if (d.has_residual) {
            const double scaled = static_cast<double>(d.residual_scale) * residual[out.offset(n, o, oh, ow)];
            sum += scaled;
            magnitude += std::fabs(scaled);
          }
          // Near zero the library's sum and this one may differ in sign, so
          // only one of them is scaled: the bound grows by the slope.
          const double slope = d.negative_slopes ? d.negative_slopes[o] : d.negative_slope;
          if (sum < 0) sum *= slope;
          magnitude *= std::max(1.0, std::fabs(slope));
          // The clamp, NaN-propagating like the library's (and torch.clamp).
          if (sum < d.output_min) sum = d.output_min;
          if (sum > d.output_max) sum = d.output_max;
          result.output[at] = sum;
          result.magnitude[at] = magnitude;
        }
      }
    }
  }
  return result;
}

double error_bound(size_t depth, double magnitude) {
  return static_cast<double>(depth + 2) * std::ldexp(1.0, -24) * magnitude;
}

}  // namespace xconv::ref
