#include "kernels/plan.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <new>

#include <unistd.h>

#include "kernels/cpu.h"
#include "kernels/dispatch.h"
#include "kernels/error.h"
#include "kernels/weight_pack.h"

namespace xconv {
namespace {

constexpr int kMaxThreads = 1024;
constexpr int64_t kMaxBlock = 1 << 20;
// Default blocking, from cache sizes (Low et al., "Analytical modeling is
// enough for high-performance BLIS"): the mc x kc A block takes half the L2,
// which is read at run time. kc comes from tuning runs (tools/xconv_tune) on
// Zen 5: K blocks up to 512 deep. The packed image panel is as wide as fits
// 1 MiB (at most 2048 pixels), which keeps a 1x64x224x224 3x3 layer within
// its tensors + 8 MiB (tests/check_peak_memory.py).
constexpr size_t kMaxKc = 512;
constexpr size_t kMaxNcPixels = 2048;       // NCHW: packed image panel, kc x nc,
constexpr size_t kPanelBytes = 1024 * 1024;  // at most this much per thread
constexpr size_t kFallbackL2Bytes = 256 * 1024;

size_t l2_bytes() {
  static const size_t bytes = [] {
    const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return l2 > 0 ? static_cast<size_t>(l2) : kFallbackL2Bytes;
  }();
  return bytes;
}

size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }
size_t ceil_div(size_t x, size_t m) { return (x + m - 1) / m; }

xconv_status check_options(const xconv_plan_options& o) {
  if (o.num_threads < 0 || o.num_threads > kMaxThreads) {
    return fail(XCONV_INVALID_ARGUMENT, "xconv_plan_create: options.num_threads must be in [0, %d], got %d",
                kMaxThreads, o.num_threads);
  }
  const struct { const char* name; int64_t value; } blocks[] = {{"kc", o.kc}, {"mc", o.mc}, {"nc", o.nc}};
  for (const auto& b : blocks) {
    if (b.value < 0 || b.value > kMaxBlock) {
      return fail(XCONV_INVALID_ARGUMENT,
                  "xconv_plan_create: options.%s must be 0 (automatic) or in [1, %" PRId64 "], got %" PRId64,
                  b.name, kMaxBlock, b.value);
    }
  }
  return XCONV_OK;
}

void choose_blocking(xconv_plan* p, const xconv_plan_options& o) {
  const size_t K = static_cast<size_t>(p->shape.gemm_k), MR = p->kernel->mr, NR = p->kernel->nr;
  if (o.kc) {
    p->kc = std::min(K, static_cast<size_t>(o.kc));
  } else {
    // Equal blocks (576 -> 2 x 288, not 256 + 256 + 64): no short last block
    // whose C reload and store are paid for little work.
    p->kc = ceil_div(K, ceil_div(K, kMaxKc));
  }
  const size_t rows_in_l2 = std::max<size_t>(MR, l2_bytes() / 2 / (p->kc * sizeof(float)) / MR * MR);
  p->mc = o.mc ? round_up(static_cast<size_t>(o.mc), MR) : rows_in_l2;
  if (p->weights_are_a) {
    const size_t fits = std::max<size_t>(NR, kPanelBytes / (p->kc * sizeof(float)) / NR * NR);
    p->nc = o.nc ? round_up(static_cast<size_t>(o.nc), NR) : std::min(kMaxNcPixels, fits);
  } else {
    p->nc = o.nc ? round_up(static_cast<size_t>(o.nc), NR) : p->group_out_padded;
  }
}

// Splits each (image, group) GEMM into chunks of output tiles for the
// threads: pixels first (each image panel is then packed once), output
// channels too when pixels alone do not give every thread work.
void choose_split(xconv_plan* p) {
  const size_t units = static_cast<size_t>(p->shape.d.batch * p->shape.d.groups);
  const size_t pixel_tiles = ceil_div(p->pixels, p->pixel_tile);
  const size_t weight_tiles = ceil_div(static_cast<size_t>(p->shape.group_out), p->weight_tile);
  // Several tasks per thread, so that the shared task counter balances them
  // (pixel chunks never pack anything twice, so they are cheap).
  const size_t wanted = p->num_threads > 1 ? 8 * static_cast<size_t>(p->num_threads) : 1;
  const size_t pixel_chunks = std::min(pixel_tiles, ceil_div(wanted, units));
  // Every chunk of output channels packs the image panel again, so split
  // them only as far as the threads need, not for balance.
  const size_t threads = static_cast<size_t>(p->num_threads);
  size_t weight_chunks = 1;
  if (units * pixel_chunks < threads) weight_chunks = std::min(weight_tiles, ceil_div(threads, units * pixel_chunks));

  p->pixel_chunk = std::max<size_t>(1, pixel_tiles / pixel_chunks) * p->pixel_tile;
  p->pixel_chunks = ceil_div(p->pixels, p->pixel_chunk);
  p->weight_chunk = ceil_div(weight_tiles, weight_chunks) * p->weight_tile;
  p->weight_chunks = ceil_div(static_cast<size_t>(p->shape.group_out), p->weight_chunk);
}

size_t vector_lanes(xconv_isa isa) {
  switch (isa) {
    case XCONV_ISA_AVX512: return 16;
    case XCONV_ISA_AVX2: return 8;
    case XCONV_ISA_NEON:
    case XCONV_ISA_HWY: return 4;
    default: return 1;
  }
}

// Among the ISA's kernels, the cheapest for this GEMM: the padded area
// (rows and columns rounded up to MR and NR) times the kernel's instruction
// overhead per k step, (MR broadcasts + NR/lanes B loads) per MR*NR/lanes
// FMAs. So 6x64 for 64 output channels, a narrow tile for a 14x14 image, and
// not a small tile whose loads crowd out its FMAs. Ties: listed first.
const KernelInfo* cheapest_kernel(const ConvShape& s, const KernelInfo* chosen) {
  const bool nchw = s.d.layout == XCONV_LAYOUT_NCHW;
  const double pixels = static_cast<double>(s.out_h * s.out_w), outs = static_cast<double>(s.group_out);
  const double m = nchw ? outs : pixels, n = nchw ? pixels : outs;
  const double lanes = static_cast<double>(vector_lanes(chosen->isa));
  const KernelInfo* best = chosen;
  double best_cost = INFINITY;
  for (size_t i = 0; i < kernel_count(); ++i) {
    const KernelInfo& k = kernel_at(i);
    if (k.isa != chosen->isa) continue;
    const double mr = static_cast<double>(k.mr), nr = static_cast<double>(k.nr);
    const double area = std::ceil(m / mr) * mr * std::ceil(n / nr) * nr;
    const double fmas = mr * nr / lanes, overhead = (mr + nr / lanes) / fmas;
    const double cost = area * (1.0 + 0.5 * overhead);
    if (cost < best_cost) best = &k, best_cost = cost;
  }
  return best;
}

// The direct depthwise loops for the kernel's ISA, if this CPU runs the
// Highway target they were built for (the same checks as the packers').
xconv::DepthwiseFn depthwise_for(xconv_isa isa, bool nchw) {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (isa == XCONV_ISA_AVX512 && f.hwy_avx3) return nchw ? depthwise_nchw_avx3 : depthwise_nhwc_avx3;
  if ((isa == XCONV_ISA_AVX512 || isa == XCONV_ISA_AVX2) && f.hwy_avx2) {
    return nchw ? depthwise_nchw_avx2 : depthwise_nhwc_avx2;
  }
#elif defined(__aarch64__)
  if (isa == XCONV_ISA_NEON) return nchw ? depthwise_nchw_neon : depthwise_nhwc_neon;
#endif
  (void)isa, (void)nchw;
  return nullptr;
}

DepthwiseJob depthwise_job(const xconv_plan& p) {
  const ConvShape& s = p.shape;
  const xconv_conv2d_desc& d = s.d;
  return DepthwiseJob{d.in_channels, d.out_channels, s.group_out, d.in_height, d.in_width, s.out_h, s.out_w,
                      d.kernel_height, d.kernel_width, d.stride_height, d.stride_width, d.dilation_height,
                      d.dilation_width, d.pad_top, d.pad_left, d.output_min, d.output_max,
                      p.packed_weights.data(), p.packed_bias.data()};
}

void describe(xconv_plan* p) {
  const xconv_conv2d_desc& d = p->shape.d;
  const size_t gemm_m = p->weights_are_a ? static_cast<size_t>(p->shape.group_out) : p->pixels;
  const size_t gemm_n = p->weights_are_a ? p->pixels : static_cast<size_t>(p->shape.group_out);
  char text[512];
  if (p->depthwise) {
    std::snprintf(text, sizeof(text),
                  "isa=%s kernel=depthwise_direct threads=%d layout=%s channels=%" PRId64 " multiplier=%" PRId64
                  " batch=%" PRId64 " tasks=%" PRId64,
                  isa_name(p->kernel->isa), p->num_threads, d.layout == XCONV_LAYOUT_NCHW ? "NCHW" : "NHWC",
                  d.in_channels, p->shape.group_out, d.batch,
                  d.batch * (d.layout == XCONV_LAYOUT_NCHW ? d.out_channels : p->shape.out_h));
    p->description = text;
    return;
  }
  std::snprintf(text, sizeof(text),
                "isa=%s kernel=%s tile=%zux%zu packers=%s kc=%zu mc=%zu nc=%zu threads=%d layout=%s "
                "gemm=%zux%zux%" PRId64 " groups=%" PRId64 " batch=%" PRId64 " tasks=%zu",
                isa_name(p->kernel->isa), p->kernel->name, p->kernel->mr, p->kernel->nr, p->packers->target, p->kc, p->mc,
                p->nc, p->num_threads, d.layout == XCONV_LAYOUT_NCHW ? "NCHW" : "NHWC", gemm_m, gemm_n,
                p->shape.gemm_k, d.groups, d.batch,
                static_cast<size_t>(d.batch * d.groups) * p->pixel_chunks * p->weight_chunks);
  p->description = text;
}

}  // namespace

xconv_status create_plan(const char* who, const xconv_conv2d_desc* desc, const float* weights,
                         const float* bias, const xconv_plan_options& options, int default_threads,
                         std::unique_ptr<xconv_plan>* out) {
  ConvShape shape;
  if (xconv_status s = validate_desc(who, desc, &shape); s != XCONV_OK) return s;
  if (weights == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: weights is NULL", who);
  if (xconv_status s = check_options(options); s != XCONV_OK) return s;
  const KernelInfo* kernel = nullptr;
  if (xconv_status s = choose_kernel(options, &kernel); s != XCONV_OK) return s;
  if (options.kernel == nullptr) kernel = cheapest_kernel(shape, kernel);

  std::unique_ptr<xconv_plan> p(new (std::nothrow) xconv_plan);
  if (!p) return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for the plan", who);
  p->shape = shape;
  p->kernel = kernel;
  p->packers = &image_packers_for(kernel->isa);
  p->weights_are_a = shape.d.layout == XCONV_LAYOUT_NCHW;
  p->pixels = static_cast<size_t>(shape.out_h * shape.out_w);
  p->weight_tile = p->weights_are_a ? kernel->mr : kernel->nr;
  p->pixel_tile = p->weights_are_a ? kernel->nr : kernel->mr;
  p->group_out_padded = round_up(static_cast<size_t>(shape.group_out), p->weight_tile);
  p->num_threads = options.num_threads > 0 ? options.num_threads : default_threads;
  p->flush_denormals = options.flush_denormals != 0;
  choose_blocking(p.get(), options);
  choose_split(p.get());
  p->workspace_floats_per_thread =
      p->kc * (p->weights_are_a ? round_up(p->nc, kernel->nr) : round_up(p->mc, kernel->mr));

  if (shape.group_in == 1) p->depthwise = depthwise_for(kernel->isa, shape.d.layout == XCONV_LAYOUT_NCHW);
  if (p->depthwise) {
    p->workspace_floats_per_thread = 0;
    if (!p->packed_weights.allocate(shape.weight_elems) ||
        (bias && !p->packed_bias.allocate(static_cast<size_t>(shape.d.out_channels)))) {
      return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory packing %zu weights", who, shape.weight_elems);
    }
    pack_depthwise_weights(p.get(), weights);
    if (bias) std::copy(bias, bias + shape.d.out_channels, p->packed_bias.data());
    p->depthwise_job = depthwise_job(*p);
  } else {
    size_t packed = 0;
    if (__builtin_mul_overflow(static_cast<size_t>(shape.d.groups) * p->group_out_padded,
                               static_cast<size_t>(shape.gemm_k), &packed) ||
        !p->packed_weights.allocate(packed)) {
      return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory packing %zu weights", who, packed);
    }
    pack_weights(p.get(), weights);
    if (bias != nullptr) {
      if (!p->packed_bias.allocate(static_cast<size_t>(shape.d.groups) * p->group_out_padded)) {
        return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory packing the bias", who);
      }
      pack_bias(p.get(), bias);
    }
  }
  if (p->num_threads > 1) {
    p->pool.reset(new (std::nothrow) ThreadPool(p->num_threads));
    if (!p->pool) return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for the thread pool", who);
  }
  describe(p.get());
  *out = std::move(p);
  return XCONV_OK;
}

}  // namespace xconv
