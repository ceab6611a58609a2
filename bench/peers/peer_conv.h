// The benchmark's implementations behind one interface, so that every one
// runs the same layer on the same inputs with the same thread count, and its
// result can be checked against the reference after the timing.
#ifndef XCONV_BENCH_PEERS_PEER_CONV_H_
#define XCONV_BENCH_PEERS_PEER_CONV_H_

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "xconv/xconv.h"

namespace xconv::bench {

// Activations on 64-byte boundaries, as frameworks allocate tensors (and
// oneDNN its own memory objects, which its peer here runs on). A plain
// std::vector of a large size comes from mmap at 16 bytes past a page, so
// every 64-byte vector load of NHWC pixels would straddle two cache lines:
// measured 1.2x slower for xconv's depthwise loops, a cost the peer that
// allocates for itself would not pay.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr size_t kAlignment = 64;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) {
    const size_t bytes = (n * sizeof(T) + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const CacheLineAllocator<U>&) const { return false; }
};
using Activations = std::vector<float, CacheLineAllocator<float>>;

// One prepared convolution: weights packed/reordered at construction (not
// timed), run() computes the output from the input given at construction.
class PeerConv {
 public:
  virtual ~PeerConv() = default;
  virtual void run() = 0;
  // The last run's output as NCHW floats (a conversion, never timed).
  virtual Activations output_nchw() = 0;
  // What ran, for the benchmark's label (xconv: the plan's describe line).
  virtual std::string label() const { return ""; }
};

// The layer: desc (NCHW, OIHW weights) and its tensors, read at construction.
struct ConvData {
  const xconv_conv2d_desc* desc;
  const float* input;       // NCHW
  const float* input_nhwc;  // the same image, NHWC
  const float* weights;     // OIHW
  const float* bias;
};

// xconv's default plan in the given activation layout.
std::unique_ptr<PeerConv> make_xconv_conv(const ConvData& data, xconv_layout layout, xconv_isa isa, int threads);

// oneDNN convolution_forward (inference, direct), with activations in
// oneDNN's preferred (blocked) layout ("any": its best case, the input
// reordered once outside the timing), plain NCHW or plain NHWC. NULL if
// unavailable.
enum class OneDnnLayout { kAny, kNchw, kNhwc };
std::unique_ptr<PeerConv> make_onednn_conv(const ConvData& data, OneDnnLayout layout, int threads);

// XNNPACK's NHWC convolution operator on a pthreadpool of `threads`. NULL if
// it refuses the layer.
std::unique_ptr<PeerConv> make_xnnpack_conv(const ConvData& data, int threads);

// im2col of each image and group into a full matrix, then OpenBLAS sgemm.
std::unique_ptr<PeerConv> make_openblas_conv(const ConvData& data, int threads);

// Activations (batch n, channels c, h x w) from NHWC to NCHW (to_nchw) or back.
Activations convert_activations(const float* src, int64_t n, int64_t c, int64_t h, int64_t w, bool to_nchw);

}  // namespace xconv::bench

#endif  // XCONV_BENCH_PEERS_PEER_CONV_H_
