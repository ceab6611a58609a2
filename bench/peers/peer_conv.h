// The benchmark's peers behind one interface, so that every implementation
// runs the same layer on the same inputs with the same thread count.
#ifndef XCONV_BENCH_PEERS_PEER_CONV_H_
#define XCONV_BENCH_PEERS_PEER_CONV_H_

#include <memory>
#include <string>

#include "xconv/xconv.h"

namespace xconv::bench {

// One prepared convolution: weights packed/reordered at construction, run()
// computes the output from the input given at construction.
class PeerConv {
 public:
  virtual ~PeerConv() = default;
  virtual void run() = 0;
};

// NCHW input (float, batch*C*H*W), OIHW weights, bias; all read at construction.
struct ConvData {
  const xconv_conv2d_desc* desc;
  const float* input;
  const float* weights;
  const float* bias;
};

// oneDNN convolution_forward (inference, direct). blocked: let oneDNN pick its
// preferred activation layouts (its best case; input reordered once, outside
// the timing), else plain NCHW in and out like xconv. NULL if unavailable.
std::unique_ptr<PeerConv> make_onednn_conv(const ConvData& data, bool blocked, int threads);

// im2col of each image and group into a full matrix, then OpenBLAS sgemm.
std::unique_ptr<PeerConv> make_openblas_conv(const ConvData& data, int threads);

}  // namespace xconv::bench

#endif  // XCONV_BENCH_PEERS_PEER_CONV_H_
