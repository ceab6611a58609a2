// Warnings that are not errors of the call that meets them: wisdom ignored
// for another CPU, an XCONV_WISDOM file that does not load. They go to
// stderr, or to the callback set by xconv_set_log.
#ifndef XCONV_KERNELS_FRAME_LOG_H_
#define XCONV_KERNELS_FRAME_LOG_H_

#include "xconv/xconv.h"

namespace xconv {

// Formats one message (printf-style) and hands it to the log.
void warn(const char* format, ...) __attribute__((format(printf, 1, 2)));

void set_log(xconv_log_fn log, void* context);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_LOG_H_
