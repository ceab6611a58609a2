#include "kernels/plan.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <new>

#include "kernels/dispatch.h"
#include "kernels/error.h"
#include "kernels/weight_pack.h"

namespace xconv {
namespace {

constexpr int kMaxThreads = 1024;
constexpr int64_t kMaxBlock = 1 << 20;
// Default blocking, from cache sizes (Low et al., "Analytical modeling is
// enough for high-performance BLIS"): a kc x NR B micro-panel stays in L1 and
// an mc x kc A block in L2. Measured on Zen3, 256 is where kc stops paying.
constexpr size_t kDefaultKc = 256;
constexpr size_t kL2BlockBytes = 128 * 1024;  // half of a 256 KiB L2, the smallest common one
constexpr size_t kDefaultNcPixels = 1024;     // NCHW: packed image panel, kc x nc

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
  p->kc = std::min(K, o.kc ? static_cast<size_t>(o.kc) : kDefaultKc);
  const size_t rows_in_l2 = std::max<size_t>(MR, kL2BlockBytes / (p->kc * sizeof(float)) / MR * MR);
  p->mc = o.mc ? round_up(static_cast<size_t>(o.mc), MR) : rows_in_l2;
  if (p->weights_are_a) {
    p->nc = o.nc ? round_up(static_cast<size_t>(o.nc), NR) : kDefaultNcPixels;
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
  // A few tasks per thread, so that uneven tasks still balance.
  const size_t wanted = p->num_threads > 1 ? 4 * static_cast<size_t>(p->num_threads) : 1;
  size_t pixel_chunks = std::min(pixel_tiles, ceil_div(wanted, units));
  size_t weight_chunks = 1;
  if (units * pixel_chunks < wanted) weight_chunks = std::min(weight_tiles, ceil_div(wanted, units * pixel_chunks));

  p->pixel_chunk = ceil_div(pixel_tiles, pixel_chunks) * p->pixel_tile;
  p->pixel_chunks = ceil_div(p->pixels, p->pixel_chunk);
  p->weight_chunk = ceil_div(weight_tiles, weight_chunks) * p->weight_tile;
  p->weight_chunks = ceil_div(static_cast<size_t>(p->shape.group_out), p->weight_chunk);
}

void describe(xconv_plan* p) {
  const xconv_conv2d_desc& d = p->shape.d;
  const size_t gemm_m = p->weights_are_a ? static_cast<size_t>(p->shape.group_out) : p->pixels;
  const size_t gemm_n = p->weights_are_a ? p->pixels : static_cast<size_t>(p->shape.group_out);
  char text[512];
  std::snprintf(text, sizeof(text),
                "isa=%s kernel=%s tile=%zux%zu kc=%zu mc=%zu nc=%zu threads=%d layout=%s "
                "gemm=%zux%zux%" PRId64 " groups=%" PRId64 " batch=%" PRId64 " tasks=%zu",
                isa_name(p->kernel->isa), p->kernel->name, p->kernel->mr, p->kernel->nr, p->kc, p->mc,
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

  std::unique_ptr<xconv_plan> p(new (std::nothrow) xconv_plan);
  if (!p) return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for the plan", who);
  p->shape = shape;
  p->kernel = kernel;
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
  if (p->num_threads > 1) {
    p->pool.reset(new (std::nothrow) ThreadPool(p->num_threads));
    if (!p->pool) return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for the thread pool", who);
  }
  describe(p.get());
  *out = std::move(p);
  return XCONV_OK;
}

}  // namespace xconv
