#include "kernels/frame/plan.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <new>

#include "kernels/frame/cpu.h"
#include "kernels/frame/error.h"
#include "kernels/frame/isa.h"
#include "kernels/frame/limits.h"
#include "kernels/frame/run.h"
#include "kernels/frame/verbose.h"
#include "kernels/pack/weight_pack.h"
#include "kernels/paths/indirect_gemm.h"

namespace xconv {
namespace {

// Default blocking, from cache sizes (Low et al., "Analytical modeling is
// enough for high-performance BLIS"): the mc x kc A block takes half the L2,
// which is read at run time (kc: packed.cc). The packed image panel is as
// wide as fits 1 MiB (at most 2048 pixels), which keeps a 1x64x224x224 3x3
// layer within its tensors + 8 MiB (tests/check_peak_memory.py).
constexpr size_t kMaxNcPixels = 2048;       // NCHW: packed image panel, kc x nc,
constexpr size_t kPanelBytes = 1024 * 1024;  // at most this much per thread
constexpr size_t kFallbackL1Bytes = 32 * 1024;
constexpr size_t kFallbackL2Bytes = 256 * 1024;

// The last-level cache a core shares, at most 32 MiB (a Zen CCD's): in a
// virtual machine CPUID may report the host's whole (508 MB here, on a part
// whose L3 is 32 MiB), which would make every batch look cache-resident.
constexpr size_t kMaxL3Bytes = 32 * 1024 * 1024;

size_t l1d_bytes() {
  const size_t l1d = cpu_identity().l1d;
  return l1d > 0 ? l1d : kFallbackL1Bytes;
}

size_t l2_bytes() {
  const size_t l2 = cpu_identity().l2;
  return l2 > 0 ? l2 : kFallbackL2Bytes;
}

size_t l3_bytes() {
  const size_t l3 = cpu_identity().l3;
  return l3 > 0 ? std::min(l3, kMaxL3Bytes) : kMaxL3Bytes / 2;
}

// The indirect path reads each row through its own pointers, so it folds
// the batch into the pixels: one GEMM with batch * out_h * out_w rows, the
// weights streamed once for all images. Its tiles' output rows are then
// evenly spaced across images, so the output's images must follow each
// other with no gap (no output_image_stride beyond the dense one).
bool folds_batch(ConvPath path, const ConvShape& s) {
  return path == ConvPath::kIndirectGemm && s.out_images_contiguous;
}

size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }
size_t ceil_div(size_t x, size_t m) { return (x + m - 1) / m; }

xconv_status check_options(const char* who, const xconv_plan_options& o) {
  if (o.num_threads < 0 || o.num_threads > kMaxThreads) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: options.num_threads must be in [0, %d], got %d", who, kMaxThreads,
                o.num_threads);
  }
  const struct { const char* name; int64_t value; } blocks[] = {{"kc", o.kc}, {"mc", o.mc}, {"nc", o.nc}};
  for (const auto& b : blocks) {
    if (b.value < 0 || b.value > kMaxBlock) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: options.%s must be 0 (automatic) or in [1, %" PRId64 "], got %" PRId64,
                  who, b.name, kMaxBlock, b.value);
    }
  }
  return XCONV_OK;
}

// Below this much work per thread, waking a worker costs more than it
// saves, even with the pool's workers spinning between runs (measured on
// Zen 5: 0.9 MFLOP NHWC layers still gain from two threads).
constexpr double kMinFlopsPerThread = 4e5;

// A run streams the weights once. Layers of one pixel or a few (a
// squeeze-excite layer, 960 to 240 channels: 0.9 MB of weights for 0.46
// MFLOP) are bound by that stream, and two cores stream faster than one:
// measured with xconv-tune on Zen 5, one-pixel 1x1 layers gain 1.3x (256 KB
// of weights) to 2.1x (0.9 MB) from a second thread, and not at 64 KB.
constexpr double kMinWeightBytesPerThread = 128 * 1024;

// How many of max_threads the layer can use. The packed NCHW path splits an
// image narrower than one pixel tile by output channels only, and each such
// task packs the same image panel again: that pays only for eight times the
// work (a 64-channel 7x7 3x3 layer, 3.6 MFLOP, is slower on two threads).
int threads_for_work(const xconv_plan& p, int max_threads) {
  const ConvShape& s = p.shape;
  const double flops = 2.0 * static_cast<double>(s.output_elems) * static_cast<double>(s.gemm_k);
  const size_t pixel_tiles = ceil_div(p.pixels, p.pixel_tile) * p.gemm_images * static_cast<size_t>(s.d.groups);
  const bool repacks = p.weights_are_a && pixel_tiles < static_cast<size_t>(max_threads);
  const double by_flops = std::floor(flops / (kMinFlopsPerThread * (repacks ? 8 : 1)));
  const double by_weights = std::floor(static_cast<double>(s.weight_elems * sizeof(float)) / kMinWeightBytesPerThread);
  const double useful = std::max(by_flops, by_weights);
  return static_cast<int>(std::max(1.0, std::min(static_cast<double>(max_threads), useful)));
}

// mc and nc around the packed weights' K blocks (packed.cc fixes kc).
void choose_blocking(xconv_plan* p, const xconv_plan_options& o) {
  const size_t K = static_cast<size_t>(p->shape.gemm_k), MR = p->choice.kernel->mr, NR = p->choice.kernel->nr;
  const size_t group_out_padded = p->packed->layout.group_out_padded;
  p->kc = p->packed->layout.kc;
  if (p->choice.path == ConvPath::kIndirectGemm) {
    // MR-pixel tiles; nc output channels at a time, so that their weights
    // (K x nc) stay in half the L2 while the pixel tiles go by; where even NR
    // of them do not, K blocks of whole taps that do (indirect_gemm.h).
    // options.kc rounds down to whole taps; options.mc does not apply.
    // A one-tap layer (1x1) whose pixel tile, MR rows of K, fits in L1
    // runs every output channel past each tile instead: the tile stays
    // in L1 while the weights stream in order, where in L2-sized blocks the
    // tiles come back from L2 or L3 for every block. One process
    // alternating the two (AVX2, Zen 3): ResNet-50's 7x7 1x1 layers 1.06-1.09x,
    // 1024to256 at batch 8 1.06-1.09x, the other 1x1 layers 0.99-1.03x on one
    // thread, 0.97-1.02x on two. Several taps' tiles are larger, and there
    // the blocks stay (3x3 layers 0.91-1.02x).
    p->mc = MR;
    const bool one_tap = p->shape.d.kernel_height * p->shape.d.kernel_width == 1;
    const bool tile_in_l1 = one_tap && MR * K * sizeof(float) <= l1d_bytes();
    const size_t fits =
        tile_in_l1 ? group_out_padded : std::max<size_t>(NR, l2_bytes() / 2 / (K * sizeof(float)) / NR * NR);
    p->nc = std::min(o.nc ? round_up(static_cast<size_t>(o.nc), NR) : fits, group_out_padded);
    p->tap_block = indirect_gemm_tap_block(p->shape, p->nc, l2_bytes() / 2, static_cast<size_t>(o.kc));
    p->kc = p->tap_block * indirect_gemm_tap_floats(p->shape);
    return;
  }
  const size_t rows_in_l2 = std::max<size_t>(MR, l2_bytes() / 2 / (p->kc * sizeof(float)) / MR * MR);
  p->mc = o.mc ? round_up(static_cast<size_t>(o.mc), MR) : rows_in_l2;
  if (p->weights_are_a) {
    const size_t fits = std::max<size_t>(NR, kPanelBytes / (p->kc * sizeof(float)) / NR * NR);
    // A multiple of NR either way, so that the plan's nc, written into
    // wisdom and forced back, gives the same plan.
    p->nc = o.nc ? round_up(static_cast<size_t>(o.nc), NR) : std::max(NR, std::min(kMaxNcPixels, fits) / NR * NR);
  } else {
    p->nc = o.nc ? round_up(static_cast<size_t>(o.nc), NR) : group_out_padded;
  }
}

// Whether a layer's weights outweigh twice its images: the late ResNet-50
// layers (3x3, 512 channels: 9.4 MB of weights against a 100 KB 7x7
// image). Split by pixels, every chunk would stream all the weights again
// where one thread streams them once; split by output channels, each
// thread streams its own share. Measured on 2 threads of Zen 5 against the
// pixel split: 1.02-1.11x on such layers, 0.99x at 1.5 times the image.
bool weights_dominate(const xconv_plan& p) {
  const xconv_conv2d_desc& d = p.shape.d;
  const double weights = static_cast<double>(p.shape.weight_elems);
  const double images = static_cast<double>(std::max<int64_t>(1, d.batch));
  const double image = static_cast<double>(d.in_channels) * d.in_height * d.in_width * images;
  return weights > 2 * image;
}

// Pixel chunks a chunk of weights is split into at most, and what each
// beyond the first costs: it streams the chunk's weights again (mostly on
// the same thread: xconv_plan::pixel_chunks_inner).
constexpr size_t kMaxPixelChunksPerWeightChunk = 4;
constexpr double kPixelChunkCost = 0.03;

struct WeightSplit {
  size_t weight_chunks, pixel_chunks;
};

// The split of a layer whose weights dominate, for several threads: chunks
// of whole weight tiles, each over up to kMaxPixelChunksPerWeightChunk
// chunks of the pixels, whichever leaves the busiest thread the least work.
// The threads take equal tasks one at a time, so the busiest runs
// ceil(tasks / threads) of them. Of splits as good, one of at least
// `wanted` tasks, then the fewest. On 2 threads 22 tiles (512 channels in
// tiles of 24) were 11 chunks of 2 tiles, 6 for one thread and 5 for the
// other; now 22 of 1. An odd 11 (256 channels) are 22 tasks over half the
// pixels each. In-process A/B, AVX2, Zen 3, both orders: 1.00-1.07x on the
// late ResNet-50 and VGG layers, deeplab_3x3_d2_512.
WeightSplit split_dominant_weights(size_t weight_tiles, size_t pixel_tiles, size_t units, size_t threads,
                                   size_t wanted) {
  WeightSplit best{1, 1};
  double best_span = HUGE_VAL;
  size_t best_tasks = 0;
  for (size_t pixel_chunks = 1; pixel_chunks <= std::min(kMaxPixelChunksPerWeightChunk, pixel_tiles); ++pixel_chunks) {
    for (size_t tiles = 1; tiles <= weight_tiles; ++tiles) {
      const size_t weight_chunks = ceil_div(weight_tiles, tiles), tasks = weight_chunks * pixel_chunks * units;
      const double task_work = static_cast<double>(ceil_div(weight_tiles, weight_chunks)) /
                               static_cast<double>(pixel_chunks) *
                               (1.0 + kPixelChunkCost * static_cast<double>(pixel_chunks - 1));
      const double span = static_cast<double>(ceil_div(tasks, threads)) * task_work;
      const bool as_good = std::fabs(span - best_span) <= 1e-9 * span;
      const bool preferred = tasks >= wanted && (best_tasks < wanted || tasks < best_tasks);
      if ((span < best_span && !as_good) || (as_good && preferred)) {
        best = {weight_chunks, pixel_chunks};
        best_span = span;
        best_tasks = tasks;
      }
    }
  }
  return best;
}

// Splits each (image, group) GEMM into chunks of output tiles for the
// threads: pixels first (each image panel is then packed once), output
// channels too when pixels alone do not give every thread work, or, in the
// indirect path, which packs nothing, when they do not give enough tasks to
// balance (a 7x7 image is 9 tiles of 6 pixels); output channels first where the
// weights dominate.
void choose_split(xconv_plan* p) {
  const size_t units = p->gemm_images * static_cast<size_t>(p->shape.d.groups);
  const size_t pixel_tiles = ceil_div(p->pixels, p->pixel_tile);
  const size_t weight_tile = p->packed->layout.tile;
  const size_t weight_tiles = ceil_div(static_cast<size_t>(p->shape.group_out), weight_tile);
  // Several tasks per thread, so that the shared task counter balances them
  // (pixel chunks never pack anything twice, so they are cheap).
  const size_t wanted = p->num_threads > 1 ? 8 * static_cast<size_t>(p->num_threads) : 1;
  const size_t threads = static_cast<size_t>(p->num_threads);
  size_t pixel_chunks = 1, weight_chunks = 1;
  p->pixel_chunks_inner = false;
  if (p->choice.path == ConvPath::kIndirectGemm && weights_dominate(*p)) {
    if (threads > 1) {
      const WeightSplit split = split_dominant_weights(weight_tiles, pixel_tiles, units, threads, wanted);
      weight_chunks = split.weight_chunks;
      pixel_chunks = split.pixel_chunks;
      p->pixel_chunks_inner = true;
    }
  } else {
    pixel_chunks = std::min(pixel_tiles, ceil_div(wanted, units));
    // Every chunk of output channels packs the image panel again, so split
    // them only as far as the threads need, not for balance.
    const size_t needed = p->choice.path == ConvPath::kIndirectGemm ? wanted : threads;
    if (units * pixel_chunks < needed) weight_chunks = std::min(weight_tiles, ceil_div(needed, units * pixel_chunks));
  }

  // Where a weight chunk's pixel chunks were weighed as equal shares, they
  // are (the rounding up leaves the last one short at most); elsewhere the
  // rounding down leaves a short extra chunk at the end, for whichever
  // thread is free first.
  const size_t tiles_per_chunk =
      p->pixel_chunks_inner ? ceil_div(pixel_tiles, pixel_chunks) : std::max<size_t>(1, pixel_tiles / pixel_chunks);
  p->pixel_chunk = tiles_per_chunk * p->pixel_tile;
  p->pixel_chunks = ceil_div(p->pixels, p->pixel_chunk);
  p->weight_chunk = ceil_div(weight_tiles, weight_chunks) * weight_tile;
  p->weight_chunks = ceil_div(static_cast<size_t>(p->shape.group_out), p->weight_chunk);
}

// The fewest images whose input and output together overflow half the
// last-level cache (the other half for the rest of the process and the
// neighbours): a depthwise pass over them reads its rows from DRAM
// (DepthwiseJob::prefetch_batch). Measured on 1 MiB L2 / 32 MiB L3: 3.6
// and 7.5 MB stayed cached, 18 MB did not.
int64_t batch_overflowing_last_level_cache(const ConvShape& s) {
  const double image_floats = static_cast<double>(s.d.in_channels) * s.d.in_height * s.d.in_width +
                              static_cast<double>(s.d.out_channels) * s.out_h * s.out_w;
  const double images = static_cast<double>(l3_bytes() / 2) / (image_floats * sizeof(float));
  return static_cast<int64_t>(std::floor(images)) + 1;
}

DepthwiseJob depthwise_job(const xconv_plan& p) {
  const ConvShape& s = p.shape;
  const xconv_conv2d_desc& d = s.d;
  return DepthwiseJob{d.in_channels, d.out_channels, s.group_out, d.in_height, d.in_width, s.out_h, s.out_w,
                      d.kernel_height, d.kernel_width, d.stride_height, d.stride_width, d.dilation_height,
                      d.dilation_width, d.pad_top, d.pad_left, d.output_min, d.output_max,
                      p.packed->weights, p.packed->bias, p.packed->slopes, d.residual_scale,
                      0, 0, s.group_in, s.in.stride, s.out.stride, s.in.image_stride, s.out.image_stride,
                      batch_overflowing_last_level_cache(s), 0};
}

ImplicitGemmJob implicit_job(const xconv_plan& p) {
  const ConvShape& s = p.shape;
  const xconv_conv2d_desc& d = s.d;
  ImplicitGemmJob j{};
  j.channels = d.in_channels, j.out_channels = d.out_channels;
  j.in_h = d.in_height, j.in_w = d.in_width, j.out_h = s.out_h, j.out_w = s.out_w;
  j.kh = d.kernel_height, j.kw = d.kernel_width;
  j.stride_h = d.stride_height, j.stride_w = d.stride_width, j.dilation_h = d.dilation_height;
  j.dilation_w = d.dilation_width, j.pad_top = d.pad_top, j.pad_left = d.pad_left;
  j.min = d.output_min, j.max = d.output_max;
  j.weights = p.packed->weights, j.bias = p.packed->bias, j.slopes = p.packed->slopes;
  j.residual_scale = d.residual_scale;
  j.in_stride = s.in.stride, j.out_stride = s.out.stride;
  j.in_image_stride = s.in.image_stride, j.out_image_stride = s.out.image_stride;
  j.tile = static_cast<int64_t>(p.packed->layout.tile);
  j.nhwc = d.layout == XCONV_LAYOUT_NHWC;
  return j;
}

// The grammar of this line is docs/DESIGN.md's "The describe line":
// space-separated key=value tokens; keys added later go at the end, so that
// scripts reading the older ones (even by position) keep working.
void describe(xconv_plan* p) {
  const xconv_conv2d_desc& d = p->shape.d;
  const Choice& c = p->choice;
  const char* layout = d.layout == XCONV_LAYOUT_NCHW ? "NCHW" : "NHWC";
  char text[512];
  if (runs_loops(c.path)) {
    std::snprintf(text, sizeof(text),
                  "isa=%s kernel=%s threads=%d layout=%s channels=%" PRId64 " multiplier=%" PRId64
                  " batch=%" PRId64 " tasks=%zu path=%s loops=%s group_in=%" PRId64
                  " max_threads=%d choice=%s sweep_rows=%" PRId64,
                  isa_name(c.kernel->isa), kernel_label(c), p->num_threads, layout, d.in_channels,
                  p->shape.group_out, p->max_batch, task_count(*p, run_extent(*p, static_cast<size_t>(p->max_batch))), path_name(c.path),
                  hwy_target_name(c.loops_target), p->shape.group_in, p->max_threads,
                  choice_source_name(p->choice_source), p->depthwise_job.sweep_rows);
  } else {
    const size_t gemm_m = p->weights_are_a ? static_cast<size_t>(p->shape.group_out) : p->pixels;
    const size_t gemm_n = p->weights_are_a ? p->pixels : static_cast<size_t>(p->shape.group_out);
    std::snprintf(text, sizeof(text),
                  "isa=%s kernel=%s tile=%zux%zu packers=%s kc=%zu mc=%zu nc=%zu threads=%d layout=%s "
                  "gemm=%zux%zux%" PRId64 " groups=%" PRId64 " batch=%" PRId64 " tasks=%zu path=%s max_threads=%d choice=%s padding_rows=%s",
                  isa_name(c.kernel->isa), kernel_label(c), c.kernel->mr, c.kernel->nr,
                  c.path == ConvPath::kIndirectGemm ? "none" : c.packers->target, p->kc, p->mc, p->nc, p->num_threads,
                  layout, gemm_m, gemm_n, p->shape.gemm_k, d.groups, p->max_batch, task_count(*p, run_extent(*p, static_cast<size_t>(p->max_batch))),
                  path_name(c.path), p->max_threads, choice_source_name(p->choice_source),
                  p->skip_padding_rows ? "skipped" : "multiplied");
  }
  p->description = text;
}

// What the packing fixes, and the descriptor of a plan must keep: the
// channels, groups, kernel size and layout (the bias and the slopes are the
// packed ones); and, for the indirect path on NCHW, one-pixel images.
xconv_status check_packed_fits(const char* who, const ConvShape& shape, const xconv_packed_weights& packed) {
  const xconv_conv2d_desc &d = shape.d, &w = packed.shape.d;
  if (d.in_channels != w.in_channels || d.out_channels != w.out_channels || d.groups != w.groups ||
      d.kernel_height != w.kernel_height || d.kernel_width != w.kernel_width || d.layout != w.layout) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: desc does not fit the packed weights: channels, groups, kernel size and layout must be theirs",
                who);
  }
  if (packed.choice.path == ConvPath::kIndirectGemm && shape.in_pixel_stride == 0) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: the packed weights are for a one-pixel NCHW layer (the indirect path), and desc is not one", who);
  }
  if (packed.choice.path == ConvPath::kImplicitGemm &&
      !implicit_gemm_band_addressable(shape, hwy_target_lanes(packed.choice.loops_target))) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: the packed weights are for the implicit GEMM, and desc's rows are too wide for its band "
                "(over 2^30 floats: pack the weights for this desc)", who);
  }
  if (d.negative_slopes != nullptr || d.negative_slope != w.negative_slope) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: desc's negative slopes must be the packed ones (leave them at their "
                "defaults, or equal to the packed descriptor's)", who);
  }
  return XCONV_OK;
}

}  // namespace

RunExtent run_extent(const xconv_plan& p, size_t batch) {
  RunExtent e;
  e.batch = batch;
  const bool folded = folds_batch(p.choice.path, p.shape);
  e.gemm_images = folded ? 1 : batch;
  e.pixels = static_cast<size_t>(p.shape.out_h * p.shape.out_w) * (folded ? batch : 1);
  e.pixel_chunks = p.pixel_chunk ? ceil_div(e.pixels, p.pixel_chunk) : 0;
  return e;
}

namespace {

// A plan on packed weights, but for its description (finish_plan): the
// descriptor may differ from theirs in everything the packing does not fix.
xconv_status build_plan(const char* who, const xconv_conv2d_desc* desc, const xconv_packed_weights* packed,
                        const xconv_plan_options& options, int default_threads, std::unique_ptr<xconv_plan>* out) {
  ConvShape shape;
  if (xconv_status s = validate_desc(who, desc, &shape); s != XCONV_OK) return s;
  const int64_t max_batch = shape.d.batch;  // 0: planned as one image, whose runs do nothing
  if (xconv_status s = validate_desc_for_planning(who, desc, &shape); s != XCONV_OK) return s;
  if (xconv_status s = check_options(who, options); s != XCONV_OK) return s;
  if (shape.d.negative_slopes == nullptr && shape.d.negative_slope == 1.0f) {
    shape.d.negative_slope = packed->shape.d.negative_slope;  // a plan may leave the packed slope implicit
  }
  if (xconv_status s = check_packed_fits(who, shape, *packed); s != XCONV_OK) return s;

  std::unique_ptr<xconv_plan> p(new (std::nothrow) xconv_plan);
  if (!p) return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for the plan", who);
  const Choice& choice = packed->choice;
  const KernelInfo& kernel = *choice.kernel;
  p->packed = packed;
  p->shape = shape;
  p->max_batch = max_batch;
  p->choice = choice;
  p->weights_are_a = packed->weights_are_a;
  const bool fold_batch = folds_batch(choice.path, shape);
  p->gemm_images = fold_batch ? 1 : static_cast<size_t>(shape.d.batch);
  p->pixels = static_cast<size_t>(shape.out_h * shape.out_w) * (fold_batch ? static_cast<size_t>(shape.d.batch) : 1);
  p->pixel_tile = p->weights_are_a ? kernel.nr : kernel.mr;
  p->max_threads = options.num_threads > 0 ? options.num_threads : default_threads;
  p->num_threads = options.use_all_threads ? p->max_threads : threads_for_work(*p, p->max_threads);
  p->flush_denormals = options.flush_denormals != 0;
  choose_blocking(p.get(), options);
  choose_split(p.get());

  if (choice.path == ConvPath::kIndirectGemm) {
    p->workspace_floats_per_thread = indirect_gemm_workspace_floats(shape, kernel.mr);
    const size_t zeros = indirect_gemm_tap_floats(shape);
    if (!p->zero_row.allocate(zeros)) return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for the zero row", who);
    std::fill(p->zero_row.data(), p->zero_row.data() + zeros, 0.0f);
    p->skip_padding_rows = indirect_gemm_skips_padding_rows(shape, packed->weights_finite);
  } else if (choice.path == ConvPath::kPackedGemm) {
    p->workspace_floats_per_thread =
        p->kc * (p->weights_are_a ? round_up(p->nc, kernel.nr) : round_up(p->mc, kernel.mr));
  } else if (choice.path == ConvPath::kImplicitGemm) {
    p->implicit_job = implicit_job(*p);
    p->workspace_floats_per_thread = plan_implicit_gemm(shape, &p->implicit_job, hwy_target_lanes(choice.loops_target));
  } else {
    p->depthwise_job = depthwise_job(*p);
    const size_t lanes = hwy_target_lanes(choice.loops_target);
    const bool nchw = shape.d.layout == XCONV_LAYOUT_NCHW;
    if (!nchw) plan_depthwise_sweep(&p->depthwise_job, lanes, p->num_threads, l1d_bytes());
    p->workspace_floats_per_thread = plan_depthwise_workspace(&p->depthwise_job, nchw, lanes);
  }
  *out = std::move(p);
  return XCONV_OK;
}

// Where the choice came from, the thread count the caller allowed (a
// wisdom entry's plan is built with exactly its threads), the description.
void finish_plan(xconv_plan* p, ChoiceSource source, int max_threads, std::chrono::steady_clock::time_point start) {
  p->choice_source = source;
  p->max_threads = max_threads;
  describe(p);
  if (verbose_enabled()) {
    verbose_create(*p, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
}

int max_threads_of(const xconv_plan_options& options, int default_threads) {
  return options.num_threads > 0 ? options.num_threads : default_threads;
}

// A wisdom entry serves a plan on packed weights only if it was tuned with
// the same packing: path, kernel and K blocks.
bool entry_fits_packing(const WisdomEntry& e, const xconv_packed_weights& packed) {
  const Choice& c = packed.choice;
  const bool direct = runs_loops(c.path);
  // The indirect path packs one K block whatever its kc (taps per block).
  const bool kc_fixed = c.path == ConvPath::kPackedGemm;
  return e.path == path_name(c.path) && e.isa == isa_name(c.kernel->isa) &&
         (direct || (e.kernel == c.kernel->name && (!kc_fixed || static_cast<size_t>(e.kc) == packed.layout.kc)));
}

}  // namespace

xconv_status create_plan_packed(const char* who, const xconv_conv2d_desc* desc, const xconv_packed_weights* packed,
                                const xconv_plan_options& options, int default_threads,
                                std::unique_ptr<xconv_plan>* out) {
  const auto start = std::chrono::steady_clock::now();
  if (packed == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: packed is NULL", who);
  ConvShape shape;
  if (xconv_status s = validate_desc(who, desc, &shape); s != XCONV_OK) return s;
  if (xconv_status s = check_options(who, options); s != XCONV_OK) return s;
  xconv_conv2d_desc key = shape.d;
  if (key.negative_slopes == nullptr && key.negative_slope == 1.0f) key.negative_slope = packed->shape.d.negative_slope;
  const int max_threads = max_threads_of(options, default_threads);
  ResolvedOptions r;
  resolve_options(key, packed->prelu, max_threads, options, &r);
  if (r.source == ChoiceSource::kWisdom && !entry_fits_packing(r.entry, *packed)) {
    r.options = options;
    r.source = ChoiceSource::kHeuristic;
  }
  if (xconv_status s = build_plan(who, desc, packed, r.options, default_threads, out); s != XCONV_OK) return s;
  finish_plan(out->get(), r.source, max_threads, start);
  return XCONV_OK;
}

xconv_status create_plan(const char* who, const xconv_conv2d_desc* desc, const float* weights,
                         const float* bias, const xconv_plan_options& options, int default_threads,
                         std::unique_ptr<xconv_plan>* out) {
  const auto start = std::chrono::steady_clock::now();
  ConvShape shape;
  if (xconv_status s = validate_desc(who, desc, &shape); s != XCONV_OK) return s;
  xconv_conv2d_desc plan_desc = shape.d;  // whole (any older struct size read), the caller's batch
  plan_desc.negative_slopes = nullptr;    // the plan reads the packed slopes
  if (xconv_status s = check_options(who, options); s != XCONV_OK) return s;
  const int max_threads = max_threads_of(options, default_threads);
  ResolvedOptions r;
  resolve_options(shape.d, shape.d.negative_slopes != nullptr, max_threads, options, &r);
  if (xconv_status s = validate_desc_for_planning(who, desc, &shape); s != XCONV_OK) return s;
  std::unique_ptr<xconv_packed_weights> packed;
  const xconv_status s = with_wisdom_fallback(&r, options, [&](const xconv_plan_options& o) {
    return create_packed_weights(who, shape, weights, bias, o, nullptr, 0, &packed);
  });
  if (s != XCONV_OK) return s;
  if (xconv_status s = build_plan(who, &plan_desc, packed.get(), r.options, default_threads, out); s != XCONV_OK) {
    return s;
  }
  (*out)->own_packed = std::move(packed);
  finish_plan(out->get(), r.source, max_threads, start);
  return XCONV_OK;
}

WisdomEntry wisdom_entry(const xconv_plan& p) {
  const Choice& c = p.choice;
  const bool direct = runs_loops(c.path);
  WisdomEntry e;
  e.path = path_name(c.path);
  e.isa = isa_name(c.kernel->isa);
  e.kernel = direct ? "-" : c.kernel->name;
  e.kc = direct ? 0 : static_cast<int64_t>(p.kc);
  e.mc = direct ? 0 : static_cast<int64_t>(p.mc);
  e.nc = direct ? 0 : static_cast<int64_t>(p.nc);
  e.threads = p.num_threads;
  return e;
}

std::string wisdom_problem(const xconv_plan& p, int max_threads) {
  xconv_conv2d_desc d = p.shape.d;
  d.batch = p.max_batch;
  return problem_text(d, p.packed->prelu, max_threads);
}

}  // namespace xconv
