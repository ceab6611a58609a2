// The instruction sets this library is built for and this CPU runs, read from
// their one description (gen/isas.py, generated into
// kernels/ukernels/gen/isa_table.h): names, vector widths, the CPU features
// each needs, and the Highway targets of its packers and depthwise loops.
//
// Nothing ISA-specific runs before these checks: there are no SIMD static
// initialisers anywhere. docs/DESIGN.md, "Adding an ISA", says what to touch.
#ifndef XCONV_KERNELS_FRAME_ISA_H_
#define XCONV_KERNELS_FRAME_ISA_H_

#include "kernels/ukernels/gen/isa_table.h"
#include "xconv/xconv.h"

namespace xconv {

// The description of an ISA, or nullptr for AUTO and for values outside the
// enum. An int, not an xconv_isa: the C API passes its callers' values
// through (see raw_enum.h).
const IsaInfo* isa_info(int isa);

// "scalar", "avx512", ...; "auto" for AUTO, "unknown" outside the enum.
const char* isa_name(int isa);

// Its kernels are built into this library and this CPU (and OS) runs them.
bool isa_runnable(xconv_isa isa);

// The first runnable ISA of the fallback chain (kIsas' order).
xconv_isa best_isa();

// The first target of `targets` (kNone-terminated, widest first) that this
// CPU runs, or kNone.
HwyTarget first_runnable(const HwyTarget (&targets)[kMaxHwyTargets]);

// The name of a Highway target, for descriptions, and its floats per vector.
const char* hwy_target_name(HwyTarget target);
size_t hwy_target_lanes(HwyTarget target);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_ISA_H_
