#include "kernels/frame/packed.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>

#include "kernels/frame/error.h"
#include "kernels/frame/isa.h"
#include "kernels/pack/weight_pack.h"

namespace xconv {
namespace {

// K blocks up to 512 deep, from tuning runs (tools/xconv_tune) on Zen 5.
constexpr size_t kMaxKc = 512;
constexpr size_t kAlignFloats = kAlignment / sizeof(float);

size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }
size_t ceil_div(size_t x, size_t m) { return (x + m - 1) / m; }

// The depthwise and grouped loops read their own weight layout
// (packed_weights.h, direct_weight_offset); every other path GEMM panels.
bool direct_layout(ConvPath path) { return runs_loops(path) && path != ConvPath::kImplicitGemm; }

// The choice and the layout, with everything but the data pointers; the
// floats of the weights and of one per-channel array (bias, slopes).
void decide(const ConvShape& shape, const Choice& choice, const xconv_plan_options& o, xconv_packed_weights* p,
            size_t* weight_floats, size_t* channel_floats) {
  const KernelInfo& kernel = *choice.kernel;
  p->shape = shape;
  p->prelu = shape.d.negative_slopes != nullptr;
  p->shape.d.negative_slopes = nullptr;  // the caller's array: packed below, not kept
  p->choice = choice;
  p->weights_are_a = choice.path == ConvPath::kPackedGemm && shape.d.layout == XCONV_LAYOUT_NCHW;
  PackedWeightsLayout& layout = p->layout;
  layout.tile = choice.path == ConvPath::kImplicitGemm
                    ? implicit_gemm_tile(shape, hwy_target_lanes(choice.loops_target))
                : p->weights_are_a                     ? kernel.mr
                                                       : kernel.nr;
  layout.group_out_padded = round_up(static_cast<size_t>(shape.group_out), layout.tile);
  layout.gemm_k = static_cast<size_t>(shape.gemm_k);
  const size_t K = layout.gemm_k;
  if (choice.path == ConvPath::kIndirectGemm || choice.path == ConvPath::kImplicitGemm) {
    layout.kc = K;  // one K block: the kernel (the loops) walk every tap
  } else if (o.kc) {
    layout.kc = std::min(K, static_cast<size_t>(o.kc));
  } else {
    // Equal blocks (576 -> 2 x 288, not 256 + 256 + 64): no short last block
    // whose C reload and store are paid for little work.
    layout.kc = ceil_div(K, ceil_div(K, kMaxKc));
  }
  if (direct_layout(choice.path)) {
    *weight_floats = shape.weight_elems;
    *channel_floats = static_cast<size_t>(shape.d.out_channels);
  } else {
    *weight_floats = layout.floats(static_cast<size_t>(shape.d.groups));
    *channel_floats = static_cast<size_t>(shape.d.groups) * layout.group_out_padded;
  }
}

bool has_slopes(const xconv_conv2d_desc& d) { return d.negative_slopes != nullptr || d.negative_slope != 1.0f; }

// Floats of the whole block: weights, bias and slopes, each 64-byte aligned.
size_t total_floats(size_t weight_floats, size_t channel_floats, bool bias, bool slopes) {
  return round_up(weight_floats, kAlignFloats) + (bias ? round_up(channel_floats, kAlignFloats) : 0) +
         (slopes ? round_up(channel_floats, kAlignFloats) : 0);
}

// One negative slope per output channel (PReLU's, or leaky ReLU's repeated).
void gather_slopes(const xconv_conv2d_desc& d, float* slopes) {
  for (int64_t k = 0; k < d.out_channels; ++k) slopes[k] = d.negative_slopes ? d.negative_slopes[k] : d.negative_slope;
}

}  // namespace

xconv_status packed_weights_bytes(const char* who, const ConvShape& shape, const xconv_plan_options& options,
                                  size_t* bytes) {
  Choice choice;
  if (xconv_status s = choose(who, shape, options, &choice); s != XCONV_OK) return s;
  xconv_packed_weights p;
  size_t weight_floats = 0, channel_floats = 0;
  decide(shape, choice, options, &p, &weight_floats, &channel_floats);
  // Sized for a bias whether or not one comes: the caller may not know yet.
  *bytes = total_floats(weight_floats, channel_floats, true, has_slopes(shape.d)) * sizeof(float);
  return XCONV_OK;
}

xconv_status create_packed_weights(const char* who, const ConvShape& shape, const float* weights, const float* bias,
                                   const xconv_plan_options& options, void* memory, size_t memory_bytes,
                                   std::unique_ptr<xconv_packed_weights>* out) {
  if (weights == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: weights is NULL", who);
  Choice choice;
  if (xconv_status s = choose(who, shape, options, &choice); s != XCONV_OK) return s;
  std::unique_ptr<xconv_packed_weights> p(new (std::nothrow) xconv_packed_weights);
  if (!p) return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for the packed weights", who);
  size_t weight_floats = 0, channel_floats = 0;
  decide(shape, choice, options, p.get(), &weight_floats, &channel_floats);
  const bool slopes = has_slopes(shape.d);
  const size_t floats = total_floats(weight_floats, channel_floats, bias != nullptr, slopes);
  if (floats > SIZE_MAX / sizeof(float)) return fail(XCONV_OUT_OF_MEMORY, "%s: the packed weights overflow", who);
  p->bytes = floats * sizeof(float);
  float* block = static_cast<float*>(memory);
  if (block == nullptr) {
    if (!p->storage.allocate(floats)) {
      return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory packing %zu bytes of weights", who, p->bytes);
    }
    block = p->storage.data();
  } else if (memory_bytes < p->bytes) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: memory_bytes is %zu, the packed weights need %zu", who, memory_bytes,
                p->bytes);
  } else if (reinterpret_cast<uintptr_t>(memory) % kAlignment != 0) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: memory is not 64-byte aligned", who);
  }
  float* w = block;
  float* b = bias ? w + round_up(weight_floats, kAlignFloats) : nullptr;
  float* sl = slopes ? w + round_up(weight_floats, kAlignFloats) + (bias ? round_up(channel_floats, kAlignFloats) : 0)
                     : nullptr;
  if (direct_layout(choice.path)) {
    // Blocks of output channels: the grouped loops' vectors, or all of them.
    const int64_t block = choice.path == ConvPath::kGroupedDirect
                              ? static_cast<int64_t>(hwy_target_lanes(choice.loops_target))
                              : shape.d.out_channels;
    pack_direct_weights(shape, block, weights, w);
    if (b) std::copy(bias, bias + shape.d.out_channels, b);
    if (sl) gather_slopes(shape.d, sl);
  } else {
    pack_gemm_weights(shape, p->layout, weights, w);
    if (b) pack_gemm_bias(shape, p->layout, bias, b);
    if (sl) {
      AlignedBuffer plain;
      if (!plain.allocate(static_cast<size_t>(shape.d.out_channels))) {
        return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for the slopes", who);
      }
      gather_slopes(shape.d, plain.data());
      pack_gemm_bias(shape, p->layout, plain.data(), sl);
    }
  }
  p->weights_finite = std::all_of(w, w + weight_floats, [](float v) { return std::isfinite(v); });
  p->weights = w;
  p->bias = b;
  p->slopes = sl;
  *out = std::move(p);
  return XCONV_OK;
}

}  // namespace xconv
