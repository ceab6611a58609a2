// FMA chains for Highway's avx2 target (see fma_chains-inl.h).
#include "tools/peak/fma_chains-inl.h"

XCONV_EXPORT_FMA_CHAINS(avx2)
