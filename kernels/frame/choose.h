// The one place that decides how a plan computes: the ISA, the convolution
// path, the micro-kernel and the Highway targets of the packers and loops.
// xconv_plan_describe names every choice (docs/DESIGN.md, "The describe line").
//
// ISA: options.isa, else the XCONV_ISA environment variable, else the ISA
// of a kernel named in options.kernel, else the first runnable ISA of the
// fallback chain (kernels/frame/isa.h). Path: depthwise direct when every
// group has one input channel and the ISA has direct loops this CPU runs;
// grouped direct for NHWC layers with few channels per group that fit its
// vectors (depthwise.h, grouped_direct_fits) unless a kernel is named; else the family of a named kernel decides; else indirect GEMM for NHWC
// (and for a 1x1 layer of one pixel, whose NCHW is the same bytes) when the
// ISA has IGEMM kernels; else packed GEMM. Kernel: the named one,
// else the cheapest of the path's family by the cost model in choose.cc.
#ifndef XCONV_KERNELS_FRAME_CHOOSE_H_
#define XCONV_KERNELS_FRAME_CHOOSE_H_

#include "kernels/frame/kernel_table.h"
#include "kernels/frame/shape.h"
#include "kernels/pack/image_pack.h"
#include "kernels/paths/depthwise/depthwise.h"
#include "xconv/xconv.h"

namespace xconv {

enum class ConvPath {
  kPackedGemm,       // im2col fused into packing, generated micro-kernels (kernels/paths/packed_gemm.h)
  kIndirectGemm,     // NHWC: im2col fused into the micro-kernel (kernels/paths/indirect_gemm.h)
  kDepthwiseDirect,  // direct loops, one input channel per group (kernels/paths/depthwise/)
  kGroupedDirect,    // NHWC, few channels per group: the direct loops across groups (ditto)
};

// As xconv_plan_describe prints it after "path=".
const char* path_name(ConvPath path);

struct Choice {
  ConvPath path = ConvPath::kPackedGemm;
  const KernelInfo* kernel = nullptr;         // its ISA is the plan's ISA
  const ImagePackers* packers = nullptr;      // packed GEMM's image packers
  DepthwiseFn depthwise = nullptr;            // depthwise or grouped direct
  HwyTarget loops_target = HwyTarget::kNone;  // of the packers or the depthwise loops
};

// Chooses for a validated shape, or records why not (an unknown kernel name,
// an ISA the CPU lacks, ...) under `who`, the API call, and returns its status.
xconv_status choose(const char* who, const ConvShape& shape, const xconv_plan_options& options, Choice* out);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_CHOOSE_H_
