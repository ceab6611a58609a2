#include <pthreadpool.h>
#include <xnnpack.h>

#include <cmath>
#include <vector>

#include "bench/peers/peer_conv.h"

namespace xconv::bench {
namespace {

// XNNPACK (Debian's 2022 snapshot): NHWC activations, weights reordered at
// construction into its layouts: [g][o][r][s][i] per group, or [r][s][o] for
// depthwise (one input channel per group), which it runs with its own
// depthwise kernels.
class XnnpackConv : public PeerConv {
 public:
  XnnpackConv(const ConvData& data, int threads) : d_(*data.desc), input_(data.input_nhwc) {
    xconv_conv2d_output_size(&d_, &oh_, &ow_);
    output_.resize(static_cast<size_t>(d_.batch * oh_ * ow_ * d_.out_channels));
    pool_ = pthreadpool_create(static_cast<size_t>(threads));
    const int64_t cg = d_.in_channels / d_.groups, kg = d_.out_channels / d_.groups;
    const int64_t R = d_.kernel_height, S = d_.kernel_width;
    const bool depthwise = cg == 1 && d_.groups > 1;
    std::vector<float> w(static_cast<size_t>(d_.out_channels * cg * R * S));
    for (int64_t o = 0; o < d_.out_channels; ++o) {
      for (int64_t i = 0; i < cg; ++i) {
        for (int64_t r = 0; r < R; ++r) {
          for (int64_t s = 0; s < S; ++s) {
            const float v = data.weights[((o * cg + i) * R + r) * S + s];
            w[depthwise ? (r * S + s) * d_.out_channels + o : ((o * R + r) * S + s) * cg + i] = v;
          }
        }
      }
    }
    ok_ = pool_ != nullptr &&
          xnn_create_convolution2d_nhwc_f32(
              d_.pad_top, d_.pad_right, d_.pad_bottom, d_.pad_left, R, S, d_.stride_height, d_.stride_width,
              d_.dilation_height, d_.dilation_width, d_.groups, cg, kg, d_.in_channels, d_.out_channels, w.data(),
              data.bias, -INFINITY, INFINITY, depthwise ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0, &op_) == xnn_status_success &&
          xnn_setup_convolution2d_nhwc_f32(op_, d_.batch, d_.in_height, d_.in_width, input_, output_.data(), pool_) ==
              xnn_status_success;
  }

  ~XnnpackConv() override {
    if (op_) xnn_delete_operator(op_);
    if (pool_) pthreadpool_destroy(pool_);
  }

  bool ok() const { return ok_; }

  void run() override { xnn_run_operator(op_, pool_); }

  Activations output_nchw() override {
    return convert_activations(output_.data(), d_.batch, d_.out_channels, oh_, ow_, true);
  }

 private:
  xconv_conv2d_desc d_;
  const float* input_;
  int64_t oh_ = 0, ow_ = 0;
  Activations output_;
  pthreadpool_t pool_ = nullptr;
  xnn_operator_t op_ = nullptr;
  bool ok_ = false;
};

}  // namespace

std::unique_ptr<PeerConv> make_xnnpack_conv(const ConvData& data, int threads) {
  static const bool initialized = xnn_initialize(nullptr) == xnn_status_success;
  if (!initialized) return nullptr;
  auto conv = std::make_unique<XnnpackConv>(data, threads);
  if (!conv->ok()) return nullptr;
  return conv;
}

}  // namespace xconv::bench
