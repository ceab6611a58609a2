// The implicit GEMM loops for Highway's neon target (see implicit_gemm.h).
#include "kernels/paths/implicit/implicit_gemm-inl.h"

XCONV_EXPORT_IMPLICIT_GEMM(neon)
