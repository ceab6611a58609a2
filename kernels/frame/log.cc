#include "kernels/frame/log.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace xconv {
namespace {

std::mutex log_mutex;
xconv_log_fn log_fn = nullptr;
void* log_context = nullptr;

}  // namespace

void warn(const char* format, ...) {
  char message[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  // Under the lock, so that a callback is never called after set_log replaced it.
  std::lock_guard<std::mutex> lock(log_mutex);
  if (log_fn != nullptr) {
    log_fn(log_context, message);
  } else {
    std::fprintf(stderr, "xconv: warning: %s\n", message);
  }
}

void set_log(xconv_log_fn log, void* context) {
  std::lock_guard<std::mutex> lock(log_mutex);
  log_fn = log;
  log_context = context;
}

}  // namespace xconv
