"""Scalar template: an instantiation of the scalar model, which is also what
every SIMD kernel is tested against (kernels/scalar/gemm_model.h)."""

from common import header, signature


def generate(k, name):
    out = header("scalar.py", "Portable scalar %dx%d micro-kernel (std::fma per step)." % (k.mr, k.nr))
    out += ["", '#include "kernels/generated/kernels.h"', '#include "kernels/scalar/gemm_model.h"', "",
            'extern "C" ' + signature(name) + " {",
            "  xconv::gemm_model<%d, %d, true>(mr, nr, kc, a, b, c, ldc, ep);" % (k.mr, k.nr),
            "}", ""]
    return "\n".join(out)
