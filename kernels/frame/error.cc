#include "kernels/frame/error.h"

#include <cstdarg>
#include <cstdio>

namespace xconv {
namespace {
thread_local char message[512];
}

xconv_status fail(xconv_status status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  return status;
}


const char* last_error() { return message; }

}  // namespace xconv
