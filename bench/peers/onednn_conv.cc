#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "bench/peers/peer_conv.h"

namespace xconv::bench {
namespace {

using dnnl::memory;
using tag = memory::format_tag;

class OneDnnConv : public PeerConv {
 public:
  OneDnnConv(const ConvData& data, OneDnnLayout layout) : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    const xconv_conv2d_desc& d = *data.desc;
    int64_t oh = 0, ow = 0;
    xconv_conv2d_output_size(&d, &oh, &ow);
    const memory::dims src_dims = {d.batch, d.in_channels, d.in_height, d.in_width};
    dst_dims_ = {d.batch, d.out_channels, oh, ow};
    const bool grouped = d.groups > 1;
    const memory::dims wei_dims =
        grouped ? memory::dims{d.groups, d.out_channels / d.groups, d.in_channels / d.groups, d.kernel_height,
                               d.kernel_width}
                : memory::dims{d.out_channels, d.in_channels, d.kernel_height, d.kernel_width};
    const auto f32 = memory::data_type::f32;
    const tag act = layout == OneDnnLayout::kAny ? tag::any : layout == OneDnnLayout::kNchw ? tag::nchw : tag::nhwc;
    const memory::desc src_md(src_dims, f32, act);
    const memory::desc dst_md(dst_dims_, f32, act);
    const memory::desc wei_md(wei_dims, f32, tag::any);
    const memory::desc bias_md({d.out_channels}, f32, tag::a);
    const dnnl::convolution_forward::desc conv_desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, wei_md, bias_md, dst_md,
        {d.stride_height, d.stride_width}, {d.dilation_height - 1, d.dilation_width - 1},
        {d.pad_top, d.pad_left}, {d.pad_bottom, d.pad_right});
    const dnnl::convolution_forward::primitive_desc pd(conv_desc, engine_);
    conv_ = dnnl::convolution_forward(pd);

    // The user's tensors, reordered once into oneDNN's chosen layouts.
    const bool nhwc_user = layout == OneDnnLayout::kNhwc;
    memory user_src({src_dims, f32, nhwc_user ? tag::nhwc : tag::nchw}, engine_,
                    const_cast<float*>(nhwc_user ? data.input_nhwc : data.input));
    memory user_wei({wei_dims, f32, grouped ? tag::goihw : tag::oihw}, engine_, const_cast<float*>(data.weights));
    src_ = memory(pd.src_desc(), engine_);
    weights_ = memory(pd.weights_desc(), engine_);
    bias_ = memory(bias_md, engine_, const_cast<float*>(data.bias));
    dst_ = memory(pd.dst_desc(), engine_);
    dnnl::reorder(user_src, src_).execute(stream_, user_src, src_);
    dnnl::reorder(user_wei, weights_).execute(stream_, user_wei, weights_);
    stream_.wait();
  }

  void run() override {
    conv_.execute(stream_, {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_BIAS, bias_},
                            {DNNL_ARG_DST, dst_}});
    stream_.wait();
  }

  Activations output_nchw() override {
    size_t count = 1;
    for (auto dim : dst_dims_) count *= static_cast<size_t>(dim);
    Activations out(count);
    memory user_dst({dst_dims_, memory::data_type::f32, tag::nchw}, engine_, out.data());
    dnnl::reorder(dst_, user_dst).execute(stream_, dst_, user_dst);
    stream_.wait();
    return out;
  }

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::convolution_forward conv_;
  memory::dims dst_dims_;
  memory src_, weights_, bias_, dst_;
};

}  // namespace

std::unique_ptr<PeerConv> make_onednn_conv(const ConvData& data, OneDnnLayout layout, int threads) {
  omp_set_num_threads(threads);
  try {
    return std::make_unique<OneDnnConv>(data, layout);
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

}  // namespace xconv::bench
