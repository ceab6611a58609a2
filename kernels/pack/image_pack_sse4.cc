// The image packers for Highway's SSE4 target (x86, built with -msse4.2 -maes -mpclmul).
#include "kernels/pack/image_pack-inl.h"

XCONV_EXPORT_IMAGE_PACKERS(sse4)
