#include <vector>

#include "bench/peers/peer_conv.h"
#include "xconv/xconv.hpp"

namespace xconv::bench {
namespace {

class XconvConv : public PeerConv {
 public:
  XconvConv(const ConvData& data, xconv_layout layout, const xconv_plan_options& options)
      : desc_(with_layout(*data.desc, layout)),
        plan_(desc_, data.weights, data.bias, options),
        input_(layout == XCONV_LAYOUT_NCHW ? data.input : data.input_nhwc),
        workspace_(plan_.workspace_size()) {
    int64_t oh = 0, ow = 0;
    xconv::check(xconv_conv2d_output_size(&desc_, &oh, &ow));
    oh_ = oh, ow_ = ow;
    output_.resize(static_cast<size_t>(desc_.batch * desc_.out_channels * oh * ow));
  }

  void run() override { plan_.run(input_, output_.data(), workspace_.data()); }

  Activations output_nchw() override {
    if (desc_.layout == XCONV_LAYOUT_NCHW) return output_;
    return convert_activations(output_.data(), desc_.batch, desc_.out_channels, oh_, ow_, true);
  }

  std::string label() const override { return plan_.describe(); }

 private:
  static xconv_conv2d_desc with_layout(xconv_conv2d_desc d, xconv_layout layout) {
    d.layout = layout;
    return d;
  }

  xconv_conv2d_desc desc_;
  xconv::Plan plan_;
  const float* input_;
  std::vector<unsigned char> workspace_;
  Activations output_;
  int64_t oh_ = 0, ow_ = 0;
};

}  // namespace

std::unique_ptr<PeerConv> make_xconv_conv(const ConvData& data, xconv_layout layout, xconv_isa isa, int threads) {
  xconv_plan_options options = xconv::make_options();
  options.num_threads = threads;
  options.isa = isa;
  return std::make_unique<XconvConv>(data, layout, options);
}

}  // namespace xconv::bench
