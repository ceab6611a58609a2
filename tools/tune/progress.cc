#include "tools/tune/progress.h"

#include <cstdint>
#include <cstdio>

#include <unistd.h>

namespace xconv::tools {
namespace {

constexpr int kBarWidth = 30;
constexpr double kRedrawSeconds = 0.1;  // at most ten redraws a second, and at each new layer

std::string minutes_seconds(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%d:%02d", s / 60, s % 60);
  return text;
}

}  // namespace

Progress::Progress(size_t layers)
    : layers_(layers), terminal_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

void Progress::update(size_t index, const std::string& name, double fraction) {
  if (!terminal_ || layers_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (index == drawn_index_ && fraction < 1.0 &&
      std::chrono::duration<double>(now - drawn_).count() < kRedrawSeconds) {
    return;
  }
  drawn_ = now;
  drawn_index_ = index;
  const double done = (static_cast<double>(index) + fraction) / static_cast<double>(layers_);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const std::string eta = done > 0.01 ? minutes_seconds(elapsed / done * (1 - done)) : "?";
  const int filled = static_cast<int>(done * kBarWidth);
  std::fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu %-28.28s ETA %s", filled, "##############################",
               kBarWidth - filled, "", index + 1, layers_, name.c_str(), eta.c_str());
  std::fflush(stderr);
}

void Progress::finish_layer(size_t index, const std::string& name, const std::string& summary) {
  if (terminal_) {
    update(index, name, 1.0);
    return;
  }
  std::fprintf(stderr, "[xconv-tune] %zu/%zu %s: %s\n", index + 1, layers_, name.c_str(), summary.c_str());
}

void Progress::done() {
  if (terminal_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace xconv::tools
