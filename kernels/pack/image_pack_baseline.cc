// The image packers for the baseline target (no ISA flags: scalar on x86, NEON on Arm).
#include "kernels/pack/image_pack-inl.h"

XCONV_EXPORT_IMAGE_PACKERS(baseline)
