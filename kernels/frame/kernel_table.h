// Every micro-kernel built into this library, with what the plan and the
// tests need to know about it. The list itself comes from the generator
// (gen/kernels.py -> kernels/ukernels/gen/kernel_list.inc); which kernel a
// plan uses is decided in choose.cc.
#ifndef XCONV_KERNELS_FRAME_KERNEL_TABLE_H_
#define XCONV_KERNELS_FRAME_KERNEL_TABLE_H_

#include <cstddef>

#include "kernels/ukernels/ukernel.h"
#include "xconv/xconv.h"

namespace xconv {

enum class KernelFamily {
  kGemm,   // packed A and B panels
  kIgemm,  // A through row pointers, one per row and tap
};

struct KernelInfo {
  const char* name;  // e.g. "xconv_f32_gemm_6x16__avx2_fma"
  xconv_isa isa;
  size_t mr, nr;
  KernelFamily family;
  bool variant;                  // for tuning runs only: the cost model never picks it
  xconv_ukernel_fn gemm;         // the GEMM family's entry point, else NULL
  xconv_igemm_ukernel_fn igemm;  // the IGEMM family's entry point, else NULL
};

size_t kernel_count();
const KernelInfo& kernel_at(size_t index);

// The kernel with this exact name, or NULL.
const KernelInfo* find_kernel(const char* name);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_KERNEL_TABLE_H_
