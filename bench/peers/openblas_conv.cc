#include <cblas.h>

#include <vector>

#include "bench/peers/peer_conv.h"

namespace xconv::bench {
namespace {

// The textbook baseline: materialise im2col (C/g*R*S x OH*OW) for each image
// and group, then one sgemm per (image, group).
class OpenBlasConv : public PeerConv {
 public:
  explicit OpenBlasConv(const ConvData& data)
      : d_(*data.desc), input_(data.input), weights_(data.weights), bias_(data.bias) {
    xconv_conv2d_output_size(&d_, &oh_, &ow_);
    depth_ = d_.in_channels / d_.groups * d_.kernel_height * d_.kernel_width;
    columns_.resize(static_cast<size_t>(depth_ * oh_ * ow_));
    output_.resize(static_cast<size_t>(d_.batch * d_.out_channels * oh_ * ow_));
  }

  Activations output_nchw() override { return output_; }

  void run() override {
    const int64_t cg = d_.in_channels / d_.groups, kg = d_.out_channels / d_.groups, pixels = oh_ * ow_;
    for (int64_t n = 0; n < d_.batch; ++n) {
      for (int64_t g = 0; g < d_.groups; ++g) {
        const float* image = input_ + (n * d_.in_channels + g * cg) * d_.in_height * d_.in_width;
        im2col(image, cg);
        float* out = output_.data() + (n * d_.out_channels + g * kg) * pixels;
        for (int64_t o = 0; o < kg; ++o) {
          for (int64_t p = 0; p < pixels; ++p) out[o * pixels + p] = bias_[g * kg + o];
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(kg), static_cast<int>(pixels),
                    static_cast<int>(depth_), 1.0f, weights_ + g * kg * depth_, static_cast<int>(depth_),
                    columns_.data(), static_cast<int>(pixels), 1.0f, out, static_cast<int>(pixels));
      }
    }
  }

 private:
  void im2col(const float* image, int64_t channels) {
    float* col = columns_.data();
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t r = 0; r < d_.kernel_height; ++r) {
        for (int64_t s = 0; s < d_.kernel_width; ++s) {
          for (int64_t y = 0; y < oh_; ++y) {
            const int64_t ih = y * d_.stride_height - d_.pad_top + r * d_.dilation_height;
            for (int64_t x = 0; x < ow_; ++x) {
              const int64_t iw = x * d_.stride_width - d_.pad_left + s * d_.dilation_width;
              *col++ = ih >= 0 && ih < d_.in_height && iw >= 0 && iw < d_.in_width
                           ? image[(c * d_.in_height + ih) * d_.in_width + iw]
                           : 0.0f;
            }
          }
        }
      }
    }
  }

  xconv_conv2d_desc d_;
  const float *input_, *weights_, *bias_;
  int64_t oh_ = 0, ow_ = 0, depth_ = 0;
  std::vector<float> columns_;
  Activations output_;
};

}  // namespace

std::unique_ptr<PeerConv> make_openblas_conv(const ConvData& data, int threads) {
  openblas_set_num_threads(threads);
  return std::make_unique<OpenBlasConv>(data);
}

}  // namespace xconv::bench
