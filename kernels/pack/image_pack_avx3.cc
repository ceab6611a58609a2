// The image packers for Highway's AVX3 (AVX-512) target (x86, built with the flags that target requires).
#include "kernels/pack/image_pack-inl.h"

XCONV_EXPORT_IMAGE_PACKERS(avx3)
