// Progress of a long tuning run on stderr: on a terminal, one bar redrawn
// in place with the layer, the count and an estimate of the time left; in
// a log (not a terminal), one plain line per finished layer.
#ifndef XCONV_TOOLS_TUNE_PROGRESS_H_
#define XCONV_TOOLS_TUNE_PROGRESS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace xconv::tools {

class Progress {
 public:
  explicit Progress(size_t layers);

  // Within layer `index` (0-based) named `name`, `fraction` of its work done.
  void update(size_t index, const std::string& name, double fraction);
  // Layer `index` is done; `summary` says how it went.
  void finish_layer(size_t index, const std::string& name, const std::string& summary);
  // Clears the bar (a terminal) before the results are printed.
  void done();

 private:
  size_t layers_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, drawn_;
  size_t drawn_index_ = SIZE_MAX;
};

}  // namespace xconv::tools

#endif  // XCONV_TOOLS_TUNE_PROGRESS_H_
