// The image packers for Highway's AVX2 target (x86, built with the flags that target requires).
#include "kernels/pack/image_pack-inl.h"

XCONV_EXPORT_IMAGE_PACKERS(avx2)
