#include "kernels/frame/choose.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/frame/error.h"
#include "kernels/frame/isa.h"
#include "kernels/frame/raw_enum.h"

namespace xconv {
namespace {

xconv_status isa_from_env(xconv_isa* isa) {
  const char* value = std::getenv("XCONV_ISA");
  *isa = XCONV_ISA_AUTO;
  if (value == nullptr || *value == '\0') return XCONV_OK;
  for (const IsaInfo& info : kIsas) {
    if (std::strcmp(value, info.name) == 0) {
      *isa = info.isa;
      return XCONV_OK;
    }
  }
  return fail(XCONV_INVALID_ARGUMENT, "XCONV_ISA=%s is not one of scalar, hwy, avx2, avx512, neon", value);
}

// Resolves the ISA (and a named kernel) from the options, or fails.
xconv_status choose_isa(const char* who, const xconv_plan_options& options, const IsaInfo** isa_out,
                        const KernelInfo** named_out) {
  const int requested = raw_enum(options.isa);
  if (requested != XCONV_ISA_AUTO && isa_info(requested) == nullptr) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: options.isa = %d is not an xconv_isa", who, requested);
  }
  xconv_isa isa = static_cast<xconv_isa>(requested);
  if (isa == XCONV_ISA_AUTO) {
    if (xconv_status s = isa_from_env(&isa); s != XCONV_OK) return s;
  }
  const KernelInfo* named = nullptr;
  if (options.kernel != nullptr) {
    named = find_kernel(options.kernel);
    if (named == nullptr) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: options.kernel '%s' is not a kernel of this library", who,
                  options.kernel);
    }
    if (isa == XCONV_ISA_AUTO) isa = named->isa;  // a named kernel implies its ISA
    if (named->isa != isa) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: options.kernel '%s' is not a '%s' kernel", who, options.kernel,
                  isa_name(isa));
    }
  }
  if (isa == XCONV_ISA_AUTO) isa = best_isa();
  const IsaInfo* info = isa_info(isa);
  if (!info->built) {
    return fail(XCONV_UNSUPPORTED, "%s: ISA '%s' is not built into this library", who, info->name);
  }
  if (!isa_runnable(isa)) {
    return fail(XCONV_UNSUPPORTED, "%s: ISA '%s' was requested but this CPU (or its OS) does not support it",
                who, info->name);
  }
  *isa_out = info;
  *named_out = named;
  return XCONV_OK;
}

// Among the ISA's kernels, the cheapest for this GEMM: the padded area
// (rows and columns rounded up to MR and NR) times the kernel's instruction
// overhead per k step, (MR broadcasts + NR/lanes B loads) per MR*NR/lanes
// FMAs. So 6x64 for 64 output channels, a narrow tile for a 14x14 image, and
// not a small tile whose loads crowd out its FMAs. Ties: listed first. The
// tuning variants (gen/kernels.py) are left to tuning runs and wisdom.
const KernelInfo* cheapest_kernel(const ConvShape& s, const IsaInfo& isa, KernelFamily family) {
  // The GEMM's rows and columns as the family's path orients them: packed
  // NCHW has output channels as rows; NHWC and the indirect path (which also
  // folds the batch into its rows) have pixels.
  const bool indirect = family == KernelFamily::kIgemm;
  const bool pixel_rows = indirect || s.d.layout == XCONV_LAYOUT_NHWC;
  const double pixels = static_cast<double>(s.out_h * s.out_w * (indirect ? s.d.batch : 1));
  const double outs = static_cast<double>(s.group_out);
  const double m = pixel_rows ? pixels : outs, n = pixel_rows ? outs : pixels;
  const double lanes = static_cast<double>(isa.lanes);
  const KernelInfo* best = nullptr;
  double best_cost = INFINITY;
  for (size_t i = 0; i < kernel_count(); ++i) {
    const KernelInfo& k = kernel_at(i);
    if (k.isa != isa.isa || k.family != family || k.variant) continue;
    const double mr = static_cast<double>(k.mr), nr = static_cast<double>(k.nr);
    const double area = std::ceil(m / mr) * mr * std::ceil(n / nr) * nr;
    const double fmas = mr * nr / lanes, overhead = (mr + nr / lanes) / fmas;
    const double cost = area * (1.0 + 0.5 * overhead);
    if (cost < best_cost) best = &k, best_cost = cost;
  }
  return best;
}

}  // namespace

const char* path_name(ConvPath path) {
  switch (path) {
    case ConvPath::kPackedGemm: return "packed_gemm";
    case ConvPath::kIndirectGemm: return "indirect_gemm";
    case ConvPath::kDepthwiseDirect: return "depthwise_direct";
    case ConvPath::kGroupedDirect: return "grouped_direct";
    case ConvPath::kImplicitGemm: return "implicit_gemm";
  }
  return "unknown";
}

bool path_from_name(std::string_view name, ConvPath* out) {
  for (ConvPath p : {ConvPath::kPackedGemm, ConvPath::kIndirectGemm, ConvPath::kDepthwiseDirect,
                     ConvPath::kGroupedDirect, ConvPath::kImplicitGemm}) {
    if (name == path_name(p)) return *out = p, true;
  }
  return false;
}

const char* kernel_label(const Choice& c) {
  return runs_loops(c.path) ? path_name(c.path) : c.kernel->name;
}

xconv_status choose(const char* who, const ConvShape& shape, const xconv_plan_options& options, Choice* out) {
  const IsaInfo* isa = nullptr;
  const KernelInfo* named = nullptr;
  if (xconv_status s = choose_isa(who, options, &isa, &named); s != XCONV_OK) return s;
  const xconv_conv2d_desc& d = shape.d;
  const bool nchw = d.layout == XCONV_LAYOUT_NCHW;
  // One input and one output pixel with a 1x1 kernel (a classifier, a
  // squeeze-excite layer): NCHW and NHWC are the same bytes (unless strides
  // spread the channel planes: shape.h's NHWC view), so the indirect path
  // serves both layouts.
  const bool one_pixel = d.in_height == 1 && d.in_width == 1 && d.kernel_height == 1 && d.kernel_width == 1 &&
                         shape.in_pixel_stride != 0 && shape.out_pixel_stride != 0;
  const bool indirect_fits = !nchw || one_pixel;
  const HwyTarget direct_target = first_runnable(isa->depthwise);
  const bool depthwise_fits = direct_target != HwyTarget::kNone && shape.group_in == 1;
  const bool grouped_fits =
      direct_target != HwyTarget::kNone && grouped_direct_fits(shape, hwy_target_lanes(direct_target));
  const bool implicit_fits =
      direct_target != HwyTarget::kNone && implicit_gemm_fits(shape, hwy_target_lanes(direct_target));
  const bool has_igemm = cheapest_kernel(shape, *isa, KernelFamily::kIgemm) != nullptr;

  // The path: the caller's (tuning runs), else the first of choose.h's order.
  Choice c;
  if (options.path != nullptr) {
    if (!path_from_name(options.path, &c.path)) {
      return fail(XCONV_INVALID_ARGUMENT,
                  "%s: options.path '%s' is not one of packed_gemm, indirect_gemm, depthwise_direct, grouped_direct, "
                  "implicit_gemm",
                  who, options.path);
    }
    const bool fits = c.path == ConvPath::kPackedGemm ||
                      (c.path == ConvPath::kIndirectGemm && indirect_fits && has_igemm) ||
                      (c.path == ConvPath::kDepthwiseDirect && depthwise_fits) ||
                      (c.path == ConvPath::kGroupedDirect && grouped_fits) ||
                      (c.path == ConvPath::kImplicitGemm && implicit_fits);
    if (!fits) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: options.path '%s' cannot serve this layer with ISA '%s'", who,
                  options.path, isa->name);
    }
    const bool gemm_path = c.path == ConvPath::kPackedGemm || c.path == ConvPath::kIndirectGemm;
    if (named != nullptr && gemm_path && (named->family == KernelFamily::kIgemm) != (c.path == ConvPath::kIndirectGemm)) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: options.kernel '%s' is not a kernel of options.path '%s'", who,
                  named->name, options.path);
    }
  } else if (depthwise_fits) {
    c.path = ConvPath::kDepthwiseDirect;
  } else if (named != nullptr) {
    if (named->family == KernelFamily::kIgemm && !indirect_fits) {
      return fail(XCONV_INVALID_ARGUMENT,
                  "%s: options.kernel '%s' is an indirect-GEMM kernel, for NHWC layers (and 1x1 layers of one pixel)",
                  who, named->name);
    }
    c.path = named->family == KernelFamily::kIgemm ? ConvPath::kIndirectGemm : ConvPath::kPackedGemm;
  } else if (grouped_fits) {
    c.path = ConvPath::kGroupedDirect;
  } else if (implicit_fits) {
    c.path = ConvPath::kImplicitGemm;
  } else if (indirect_fits && has_igemm) {
    c.path = ConvPath::kIndirectGemm;
  } else {
    c.path = ConvPath::kPackedGemm;
  }

  // The kernel (the direct paths report one too: the ISA's cheapest GEMM
  // kernel, which names their ISA) and the loops the path runs.
  const KernelFamily family = c.path == ConvPath::kIndirectGemm ? KernelFamily::kIgemm : KernelFamily::kGemm;
  c.kernel = named && named->family == family ? named : cheapest_kernel(shape, *isa, family);
  if (c.kernel == nullptr) return fail(XCONV_INTERNAL_ERROR, "%s: ISA '%s' has no kernels", who, isa->name);
  switch (c.path) {
    case ConvPath::kPackedGemm:
      c.loops_target = first_runnable(isa->packers);
      c.packers = image_packers(c.loops_target);
      break;
    case ConvPath::kIndirectGemm: break;
    case ConvPath::kDepthwiseDirect:
      c.loops_target = direct_target;
      c.direct = depthwise_loops(direct_target, nchw);
      break;
    case ConvPath::kGroupedDirect:
      c.loops_target = direct_target;
      c.direct = grouped_loops(direct_target);
      break;
    case ConvPath::kImplicitGemm:
      c.loops_target = direct_target;
      c.implicit = implicit_gemm_loops(direct_target);
      break;
  }
  const bool no_loops = c.path == ConvPath::kImplicitGemm ? c.implicit == nullptr : c.direct == nullptr;
  if ((runs_loops(c.path) && no_loops) || (c.path == ConvPath::kPackedGemm && c.packers == nullptr)) {
    return fail(XCONV_INTERNAL_ERROR, "%s: no %s loops built for Highway target '%s'", who, path_name(c.path),
                hwy_target_name(c.loops_target));
  }
  *out = c;
  return XCONV_OK;
}

}  // namespace xconv
