// The one place that decides how a plan computes: the ISA, the convolution
// path, the micro-kernel and the Highway targets of the packers and loops.
// xconv_plan_describe names every choice (docs/DESIGN.md, "The describe line").
//
// options.path forces the path where it can serve the layer (tuning runs).
// ISA: options.isa, else the XCONV_ISA environment variable, else the ISA
// of a kernel named in options.kernel, else the first runnable ISA of the
// fallback chain (kernels/frame/isa.h). Path, the first that applies:
//   1. depthwise direct: every group has one input channel and the ISA has
//      direct loops this CPU runs;
//   2. a named kernel's family: indirect GEMM for an IGEMM kernel (NHWC, or
//      a 1x1 layer of one pixel, whose NCHW is the same bytes), else packed;
//   3. grouped direct: NHWC, few channels per group that fit its vectors
//      (depthwise.h, grouped_direct_fits);
//   4. implicit GEMM: one group, a kernel larger than 1x1, and in NCHW a
//      short reduction or rows longer than a vector, in NHWC at most 4
//      input channels (implicit_gemm_fits);
//   5. indirect GEMM where it fits and the ISA has IGEMM kernels;
//   6. packed GEMM. Kernel: the named one,
// else the cheapest of the path's family by the cost model in choose.cc.
#ifndef XCONV_KERNELS_FRAME_CHOOSE_H_
#define XCONV_KERNELS_FRAME_CHOOSE_H_

#include <string_view>

#include "kernels/frame/kernel_table.h"
#include "kernels/frame/shape.h"
#include "kernels/pack/image_pack.h"
#include "kernels/paths/depthwise/depthwise.h"
#include "kernels/paths/implicit/implicit_gemm.h"
#include "xconv/xconv.h"

namespace xconv {

enum class ConvPath {
  kPackedGemm,       // im2col fused into packing, generated micro-kernels (kernels/paths/packed_gemm.h)
  kIndirectGemm,     // NHWC: im2col fused into the micro-kernel (kernels/paths/indirect_gemm.h)
  kDepthwiseDirect,  // direct loops, one input channel per group (kernels/paths/depthwise/)
  kGroupedDirect,    // NHWC, few channels per group: the direct loops across groups (ditto)
  kImplicitGemm,     // short reductions, few NHWC channels: read in place from a band (kernels/paths/implicit/)
};

// The paths that run Highway loops (Choice::direct, Choice::implicit)
// instead of the generated micro-kernels.
inline bool runs_loops(ConvPath path) {
  return path == ConvPath::kDepthwiseDirect || path == ConvPath::kGroupedDirect || path == ConvPath::kImplicitGemm;
}

// As xconv_plan_describe prints it after "path=", and options.path names it.
const char* path_name(ConvPath path);
bool path_from_name(std::string_view name, ConvPath* out);

struct Choice {
  ConvPath path = ConvPath::kPackedGemm;
  const KernelInfo* kernel = nullptr;         // its ISA is the plan's ISA
  const ImagePackers* packers = nullptr;      // packed GEMM's image packers
  DepthwiseFn direct = nullptr;               // the direct paths' loops (depthwise or grouped)
  ImplicitGemmFn implicit = nullptr;          // the implicit GEMM's loops
  HwyTarget loops_target = HwyTarget::kNone;  // of the packers or the direct loops
};

// What xconv_plan_describe prints after "kernel=": the micro-kernel's name,
// or the path's for the paths that have loops instead (runs_loops).
const char* kernel_label(const Choice& choice);

// Chooses for a validated shape, or records why not (an unknown kernel name,
// an ISA the CPU lacks, ...) under `who`, the API call, and returns its status.
xconv_status choose(const char* who, const ConvShape& shape, const xconv_plan_options& options, Choice* out);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_CHOOSE_H_
