#include "kernels/frame/kernel_table.h"

#include <cstring>

#include "kernels/ukernels/gen/kernels.h"

namespace xconv {
namespace {

const KernelInfo kKernels[] = {
#define XCONV_KERNEL(isa, mr, nr, fused, variant, name) {#name, isa, mr, nr, KernelFamily::kGemm, variant, name, nullptr},
#define XCONV_IGEMM_KERNEL(isa, mr, nr, fused, variant, name) \
  {#name, isa, mr, nr, KernelFamily::kIgemm, variant, nullptr, name},
#include "kernels/ukernels/gen/kernel_list.inc"
#undef XCONV_IGEMM_KERNEL
#undef XCONV_KERNEL
};

}  // namespace

size_t kernel_count() { return sizeof(kKernels) / sizeof(kKernels[0]); }

const KernelInfo& kernel_at(size_t index) { return kKernels[index]; }

const KernelInfo* find_kernel(const char* name) {
  for (const KernelInfo& k : kKernels) {
    if (std::strcmp(k.name, name) == 0) return &k;
  }
  return nullptr;
}

}  // namespace xconv
