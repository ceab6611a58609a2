// Picks the micro-kernel for a plan: the best ISA the CPU (and OS) can run,
// unless a plan option or the XCONV_ISA environment variable forces one.
//
// Fallback chains, best first: x86 avx512 -> avx2 -> hwy -> scalar;
// Arm neon -> hwy -> scalar. Nothing ISA-specific runs before this has
// checked the CPU: there are no SIMD static initialisers anywhere.
#ifndef XCONV_KERNELS_DISPATCH_H_
#define XCONV_KERNELS_DISPATCH_H_

#include "kernels/kernel_table.h"
#include "xconv/xconv.h"

namespace xconv {

// Built into this library and runnable on this CPU.
bool isa_runnable(xconv_isa isa);

// The first runnable ISA of this architecture's fallback chain.
xconv_isa best_isa();

// An int, not an xconv_isa: the C API passes its callers' values through
// (see raw_enum.h); anything out of range is "unknown".
const char* isa_name(int isa);

// Resolves options->isa (AUTO: XCONV_ISA, else best_isa()) and options->kernel
// to a kernel, or records why not (unknown name, ISA the CPU lacks, ...).
xconv_status choose_kernel(const xconv_plan_options& options, const KernelInfo** out);

}  // namespace xconv

#endif  // XCONV_KERNELS_DISPATCH_H_
