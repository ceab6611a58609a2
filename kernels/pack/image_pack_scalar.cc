// The image packers for Highway's baseline target on x86 and other CPUs (no ISA flags: scalar).
#include "kernels/pack/image_pack-inl.h"

XCONV_EXPORT_IMAGE_PACKERS(scalar)
