// Every micro-kernel built into this library, with what the driver and the
// tests need to know about it. The list itself comes from the generator
// (kernels/generated/kernel_list.inc); the first kernel listed for an ISA is
// that ISA's default.
#ifndef XCONV_KERNELS_KERNEL_TABLE_H_
#define XCONV_KERNELS_KERNEL_TABLE_H_

#include <cstddef>

#include "kernels/ukernel.h"
#include "xconv/xconv.h"

namespace xconv {

struct KernelInfo {
  const char* name;  // e.g. "xconv_f32_gemm_6x16__avx2_fma"
  xconv_isa isa;
  size_t mr, nr;
  xconv_ukernel_fn fn;
  bool fused;        // multiply-add is fused: the scalar model to compare with
};

size_t kernel_count();
const KernelInfo& kernel_at(size_t index);

// The ISA's default kernel, or NULL when none was built for it.
const KernelInfo* default_kernel(xconv_isa isa);

// The kernel with this exact name, or NULL.
const KernelInfo* find_kernel(const char* name);

}  // namespace xconv

#endif  // XCONV_KERNELS_KERNEL_TABLE_H_
