// The depthwise loops for Highway's avx3 target (see depthwise.h).
#include "kernels/paths/depthwise/depthwise-inl.h"

XCONV_EXPORT_DEPTHWISE(avx3)
