// The image packers for Highway's NEON target (AArch64's baseline: no flags).
#include "kernels/pack/image_pack-inl.h"

XCONV_EXPORT_IMAGE_PACKERS(neon)
