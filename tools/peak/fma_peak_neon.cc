// FMA chains for Highway's neon target (see fma_chains-inl.h).
#include "tools/peak/fma_chains-inl.h"

XCONV_EXPORT_FMA_CHAINS(neon)
