// The depthwise loops for Highway's neon target (see depthwise.h).
#include "kernels/paths/depthwise/depthwise-inl.h"

XCONV_EXPORT_DEPTHWISE(neon)
