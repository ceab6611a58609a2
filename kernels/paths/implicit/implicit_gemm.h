// Implicit GEMM for layers with a kernel larger than 1x1, foremost those
// with few input channels (an RGB stem, the seed's 3-channel input): the
// GEMM of the other paths, but its image operand is never packed and no
// pointer is written for it. Each reduction index k is an offset into a
// task's copy of its band of input rows, and a tile reads its operand for k
// in place.
//
// Where C * R * S is small, the packed path pays for its panels: the
// im2col of the image is R * S times the image, and the GEMM's K is too
// short to hide the copy (seed_c3_55_k20: K = 27); the indirect path pays
// for its pointers and its tiles, a tile's MR pointers per kernel row and a
// micro-kernel tile per NR channels for 27 multiply-adds each (the seed's
// NHWC ran at 0.39x oneDNN's on Zen 3, with a third of its time outside
// the micro-kernel). Here a task copies only its band of input rows, padded
// with zeros so that every tile is the same loop with no edge cases; that
// copy is about one image's worth, whatever the kernel size.
//
// NCHW: weights as A (a tile of output channels, each weight broadcast),
// the image as B (output pixels along the vector lanes). The band is split
// by column phase when the stride is above 1 (phase p holds padded columns
// p, p + stride, ...), so that the output pixels of a vector read
// consecutive floats at every stride. k runs (c, r, s).
//
// NHWC (implicit_gemm_nhwc-inl.h): the indirect path's orientation, a tile
// of output pixels by vectors of output channels, each input value
// broadcast; the band keeps the image's layout, [row][column][channel], so
// a tile's pixels are stride_w * C floats apart. k runs (r, s, c), the
// indirect path's order, which makes the bits the indirect path's too (it
// leaves out padding rows only where that changes no bit: indirect_gemm.h).
//
// Each output value is the same chain as the GEMM paths' with one K block:
// from 0 (or residual_scale * residual), one FMA per k, then bias, negative
// slope and clamp; padding taps multiply zeros. The weights are packed as
// for the GEMM paths (packed_weights.h) with a tile of implicit_gemm_tile()
// output channels and one K block.
//
// The loops are written once with Highway (implicit_gemm-inl.h) and built
// for the targets of the depthwise loops (gen/isas.py's `depthwise`). This
// header holds only data and declarations.
#ifndef XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_H_
#define XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_H_

#include <cstddef>
#include <cstdint>

#include "kernels/frame/run_tensors.h"
#include "kernels/frame/shape.h"
#include "kernels/ukernels/gen/isa_table.h"

namespace xconv {

// Whether the path serves the layer, for loops with vectors of `lanes`
// floats: one group, a kernel larger than 1x1, a band of at most
// kImplicitGemmMaxBandBytes (the packed path's panel budget), and in NCHW
// strides the phase split keeps small and either a short reduction (at most
// kImplicitGemmShortDepth) or output rows of at least kImplicitGemmDeepWidth;
// in NHWC at most kImplicitGemmNhwcChannels input channels.
// Measured on Zen 5 against the packed path, one core: a 1x1 layer's panel
// is no bigger than its image, and the packed path ran those 1.1-1.2x
// faster (2.8x on a 7x7 image). With a larger kernel and a short reduction
// the implicit GEMM ran 1.3-1.8x faster from 14x14 to 224x224 (AVX2 too).
// With a deep one it ran 1.1-1.4x from 56 columns up (AVX2 1.1-1.4x), and
// 1.0x, 0.75x, 0.44x at 28, 14, 7 (AVX2 0.83x at 28), where a k's few
// vectors feed few FMAs while the packed path's tiles stay full.
constexpr int64_t kImplicitGemmShortDepth = 160;
constexpr int64_t kImplicitGemmDeepWidth = 32;
constexpr double kImplicitGemmMaxBandBytes = 1024 * 1024;
constexpr int64_t kImplicitGemmNhwcChannels = 4;
bool implicit_gemm_fits(const ConvShape& shape, size_t lanes);  // lanes: for the band's size

struct ImplicitGemmJob {
  int64_t channels, out_channels;  // C and K (one group)
  int64_t in_h, in_w, out_h, out_w, kh, kw;
  int64_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  float min, max;
  const float* weights;  // packed_weights.h: tiles of `tile` output channels, k-major
  const float* bias;     // per output channel (padded to whole tiles), or NULL
  const float* slopes;   // the same, negative slopes, or NULL
  float residual_scale;  // applied to RunTensors::residual when there is one
  // Strides (shape.h's TensorGeometry): between channel planes, and
  // between images.
  int64_t in_stride, out_stride, in_image_stride, out_image_stride;
  int64_t tile;  // output channels per weight tile: implicit_gemm_tile()
  bool nhwc;     // the layout; in NHWC in_stride and out_stride are between pixels
  // Set by plan_implicit_gemm: output rows per task, and the task's copy of
  // its input rows: `band_in_rows` padded rows, in NCHW per channel, each
  // stride_w phases of `phase_w` floats; in NHWC of `phase_w` columns of
  // C floats. `band_floats` in all. After the band the workspace holds the
  // tap offsets (implicit_gemm-inl.h).
  int64_t band_rows, band_in_rows, phase_w, band_floats;
};

// Output channels per tile, for loops with vectors of `lanes` floats.
// NCHW: the tile's rows (each a channel broadcast across the lanes) by its
// vectors of pixels fill the vector registers: 4 channels by 3 vectors on
// AVX2's 8-lane target (all 16 registers; 1.13-1.17x the 3 by 3 that left
// three spare), up to 6 by 4 on the others (32). There the tile is 4, 5 or
// 6, whichever wastes the least on the padded last tile, each tile costing
// its rows plus about two rows' worth of loads (K = 20: 5, where 6 computed
// 24 channels and ran 1.25x slower; K = 64: 6).
// NHWC: 1 to kImplicitGemmMaxVectors vectors of channels, whichever
// computes the fewest padded channels, counting a tile's loads beyond one
// per FMA as FMAs (a tile of v vectors by p pixels loads v + p times for
// v * p FMAs; implicit_gemm_nhwc_pixels gives p for each v), and never a
// tile of fewer pixels than vectors (AVX2's 4 by 2: GCC made its weights
// FMA memory operands, a load an FMA); K = 20 on AVX2: 3 vectors, K = 64: 2.
constexpr int kImplicitGemmMaxVectors = 4;
constexpr int kImplicitGemmMaxPixels = 12;  // pixels a tile, at most (NHWC)
int64_t implicit_gemm_tile(const ConvShape& shape, size_t lanes);

// Pixels of an NHWC tile of `vectors` output vectors for loops with
// vectors of `lanes` floats: its accumulators, the weight vectors and a
// broadcast in the target's vector registers (AVX2's 8-lane target 16, the
// others 32), and on AVX2 at most 5, each pixel holding an input pointer in
// a general register: at 2 vectors by 6 pixels GCC spilled accumulators and
// the loop bound to the stack in the 3-channel tap loop, and 2 by 5 ran
// r50_conv1_7x7s2 1.13-1.23x faster (Zen 3, 1 and 2 threads, alternating
// processes).
constexpr int implicit_gemm_nhwc_pixels(int vectors, size_t lanes) {
  const int registers = lanes == 8 ? 16 : 32, most = lanes == 8 ? 5 : kImplicitGemmMaxPixels;
  return (registers - vectors - 1) / vectors < most ? (registers - vectors - 1) / vectors : most;
}

// Whether the band's tap offsets (int32) can address it: a plan on packed
// weights may have a wider image than the one the path was chosen for.
bool implicit_gemm_band_addressable(const ConvShape& shape, size_t lanes);

// Fills in the band (ImplicitGemmJob's last fields) for vectors of `lanes`
// floats and returns the workspace floats a task needs: the band, and an
// int32 offset per reduction index.
size_t plan_implicit_gemm(const ConvShape& shape, ImplicitGemmJob* job, size_t lanes);

// Tasks of a run of `batch` images: one band of output rows of one image
// each (task = n * bands + band), every output channel.
size_t implicit_gemm_tasks(const ImplicitGemmJob& job, size_t batch);

using ImplicitGemmFn = void (*)(const ImplicitGemmJob& job, const RunTensors& tensors, float* scratch, size_t task);

// The loops compiled for a Highway target (implicit_gemm_<target>.cc), or
// nullptr when they are not built for it here.
ImplicitGemmFn implicit_gemm_loops(HwyTarget target);

}  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_IMPLICIT_IMPLICIT_GEMM_H_
