// The thread-local "last error" behind xconv_last_error(): every failing
// entry point records a message naming what was wrong, then returns a status.
#ifndef XCONV_KERNELS_FRAME_ERROR_H_
#define XCONV_KERNELS_FRAME_ERROR_H_

#include "xconv/xconv.h"

namespace xconv {

// Formats the message (printf-style) for this thread and returns `status`.
xconv_status fail(xconv_status status, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

const char* last_error();

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_ERROR_H_
