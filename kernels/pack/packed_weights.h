// The packed-weight layouts: the one definition of where each weight goes,
// used by the weight packer (weight_pack.cc), the paths that read the packed
// weights (kernels/paths/) and the tests (tests/test_packed_weights.cc).
//
// GEMM paths. For one group the weights are the GEMM operand with one row
// (NCHW: A, MR rows a tile) or one column (NHWC: B, NR columns a tile) per
// output channel, and k over the reduction in the orientation's order
// (decompose_k). They are cut into K blocks of `kc` (the last may be
// shorter), each block into tiles of `tile` output channels (the tail
// zero-padded), and a tile is kcb x tile floats, k-major: exactly the panel
// a micro-kernel reads (kernels/ukernels/ukernel.h). Groups follow each other:
//
//   [group][K block][tile][kk][ii]
//
// The bias is packed beside them: group_out_padded floats per group,
// zero past the group's channels, so a tile reads `tile` floats safely.
//
// Direct paths (depthwise, and grouped with few channels per group): NCHW
// [o][i][r][s] (each plane's taps together) and NHWC [r][s][i][o] (output
// channels contiguous, one vector of them per tap and input channel i of
// the group; i is 0 only for depthwise).
#ifndef XCONV_KERNELS_PACK_PACKED_WEIGHTS_H_
#define XCONV_KERNELS_PACK_PACKED_WEIGHTS_H_

#include <cstddef>
#include <cstdint>

namespace xconv {

struct PackedWeightsLayout {
  size_t tile = 0;              // output channels per panel: MR (NCHW) or NR (NHWC)
  size_t group_out_padded = 0;  // output channels per group, rounded up to `tile`
  size_t gemm_k = 0;            // the reduction depth C/g * R * S
  size_t kc = 0;                // K block depth

  // Depth of the K block that starts at pc.
  size_t block_depth(size_t pc) const { return gemm_k - pc < kc ? gemm_k - pc : kc; }

  // Floats of all groups' packed weights.
  size_t floats(size_t groups) const { return groups * group_out_padded * gemm_k; }

  // Start of the panel of group g, K block pc (a multiple of kc) and the tile
  // whose first output channel (within the group) is first_out.
  size_t panel_offset(size_t g, size_t pc, size_t first_out) const {
    return g * group_out_padded * gemm_k + pc * group_out_padded + first_out * block_depth(pc);
  }

  // Where weight (output channel o of group g, reduction index k) goes.
  size_t element_offset(size_t g, size_t k, size_t o) const {
    const size_t pc = k / kc * kc;
    return panel_offset(g, pc, o / tile * tile) + (k - pc) * tile + o % tile;
  }
};

// The reduction index k of a GEMM path as (input channel within the group,
// kernel row, kernel column): NCHW orders k as (c, r, s), s fastest; NHWC as
// (r, s, c), c fastest, so that packing the image reads it along its
// contiguous axis.
struct ReductionIndex {
  int64_t c, r, s;
};
inline ReductionIndex decompose_k(bool nchw, int64_t k, int64_t group_in, int64_t kh, int64_t kw) {
  if (nchw) return {k / (kh * kw), k / kw % kh, k % kw};
  return {k % group_in, k / group_in / kw, k / group_in % kw};
}

// Where direct-path weight (output channel o, input channel i of its group,
// kernel row r, column s) goes. NHWC keeps the output channels innermost, in
// blocks of `block` (a divisor of out_channels) whose weights follow each
// other: the grouped loops' blocks are their vectors, so that the weights
// of one vector lie together and not one row of out_channels apart (at 256
// channels every 1 KiB, which maps them onto a few L1 sets); the depthwise
// loops take one block of all the channels.
inline size_t direct_weight_offset(bool nchw, int64_t o, int64_t i, int64_t r, int64_t s, int64_t group_in, int64_t kh,
                                   int64_t kw, int64_t block) {
  if (nchw) return static_cast<size_t>(((o * group_in + i) * kh + r) * kw + s);
  return static_cast<size_t>((o / block * kh * kw * group_in + (r * kw + s) * group_in + i) * block + o % block);
}

}  // namespace xconv

#endif  // XCONV_KERNELS_PACK_PACKED_WEIGHTS_H_
