// XCONV_VERBOSE=1: one line on stderr per plan creation and per run, so that
// a user of an engine built on xconv can see what ran, with what, and how
// long it took (as ONEDNN_VERBOSE does for oneDNN). The grammar is
// docs/DESIGN.md's "Verbose lines".
#ifndef XCONV_KERNELS_FRAME_VERBOSE_H_
#define XCONV_KERNELS_FRAME_VERBOSE_H_

#include <cstddef>

#include "kernels/frame/plan.h"

namespace xconv {

// Whether XCONV_VERBOSE is set to a nonzero number (read once).
bool verbose_enabled();

void verbose_create(const xconv_plan& plan, double milliseconds);
void verbose_run(const xconv_plan& plan, size_t batch, int threads, double milliseconds);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_VERBOSE_H_
