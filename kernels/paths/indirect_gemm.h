// The indirect-GEMM path (NHWC): im2col fused into the micro-kernel itself
// (Dukhan, "The Indirect Convolution Algorithm", 2019). The image is never
// copied: for each tile of MR output pixels the path writes MR pointers per
// kernel tap (r, s), each at the first input channel of the group in the
// input pixel that tap reads, or at the plan's zero row for a padding tap,
// and the IGEMM micro-kernel (kernels/ukernels/ukernel.h) reads the
// channels through them against the packed weights (packed as one K block,
// the whole C/g * R * S; kernels/pack/packed_weights.h).
//
// K blocks of whole taps: where the weights of nc output channels over all
// the taps are more than half the L2 (a 3x3 layer of 512 channels: 1.2 MB
// for 64 of them), every pixel tile would stream them from L3 again. The
// path then runs the taps a block at a time, each block over all the pixel
// tiles, the next block continuing from the partial sums in the output (the
// micro-kernel's accumulate): the same FMA chain, so the same bits.
//
// The pointers are written per tile at run time into the thread's workspace
// (taps * MR of them), not stored in the plan: the plan stays independent of
// the input's address and of the batch, and its memory does not grow with
// the image. They cost taps * MR additions per tile, against
// taps * MR * NR * C/g multiply-adds per tile of the kernel. In a 1x1,
// stride-1 layer without padding they point straight at the input rows, so
// that case needs no packing at all.
//
// Row mode: with one group and undilated columns, the S taps of a kernel
// row are S * C contiguous floats of an NHWC image, so one pointer per
// kernel row serves them all (R pointers a row, not R * S), which matters
// most where C is small (a 3-channel first layer reads 21 floats a pointer
// instead of 3). Kernel rows that cross the image's left or right edge are
// copied with their padding zeros into the workspace. The reduction order
// is the same, (r, s, c), so are the bits.
//
// Padding rows: a tile of output pixels near the top or bottom edge leaves
// out the kernel rows that read only padding for every one of its pixels
// (a 7x7 image with a 3x3 kernel: a seventh of the multiply-adds), as
// oneDNN does. Only where the result is bit for bit the one multiplying the
// zeros gives: every weight finite (else a NaN or infinite weight times a
// padding zero is NaN, and that must show), and no residual. A chain that
// starts from +0 never holds -0 (a sum is -0 only if both terms are), so
// adding w * 0 = +-0 to it changes nothing; a residual could start it at -0.
//
// The batch is folded into the pixels (NHWC images follow each other in
// memory and so do the output rows): one GEMM of batch * out_h * out_w rows,
// so the weights stream once for all images. A 1x1 layer of one pixel has
// the same bytes in NCHW, so it takes this path in both layouts.
#ifndef XCONV_KERNELS_PATHS_INDIRECT_GEMM_H_
#define XCONV_KERNELS_PATHS_INDIRECT_GEMM_H_

#include <cstddef>

#include "kernels/frame/plan.h"
#include "kernels/frame/run_tensors.h"

namespace xconv {

// Floats of workspace one thread needs: one tile's pointers (and its edge
// copies in the row mode).
size_t indirect_gemm_workspace_floats(const ConvShape& shape, size_t mr);

// Taps per K block for nc output channels: as many as keep their weights
// within `budget_bytes`, at least one, at most all; or, with `kc` > 0
// (options.kc), as many as fit in kc floats of K.
size_t indirect_gemm_tap_block(const ConvShape& shape, size_t nc, size_t budget_bytes, size_t kc);

// The floats of K one tap (or kernel row, in the row mode) contributes: also
// the length of the zero row that padding pointers point at.
size_t indirect_gemm_tap_floats(const ConvShape& shape);

// Whether plans of this shape, on weights that are (not) all finite, skip
// padding rows (above).
bool indirect_gemm_skips_padding_rows(const ConvShape& shape, bool weights_finite);

// Computes one task (gemm_tasks.h). `scratch` holds the thread's workspace.
void indirect_gemm_task(const xconv_plan& plan, const RunExtent& extent, const RunTensors& tensors, float* scratch,
                      size_t task);

}  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_INDIRECT_GEMM_H_
