#include "tools/tune/inputs.h"

#include <stdexcept>
#include <sys/stat.h>

#include "tools/tune/onnx_model.h"

namespace xconv::tools {
namespace {

bool is_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<Layer> read_inputs(const std::vector<std::string>& inputs, int64_t batch) {
  std::vector<Layer> layers;
  for (const std::string& input : inputs) {
    std::vector<Layer> more;
    if (is_file(input)) {
      more = ends_with(input, ".onnx") ? read_onnx_convs(input, batch) : read_layers(input);
    } else if (input.find(' ') != std::string::npos) {
      more.push_back(parse_layer(input, "inline layer '" + input + "'"));
    } else {
      throw std::runtime_error("no such file: " + input + " (an inline layer is one quoted argument: "
                               "'name N C H W K R S stride pad dilation groups')");
    }
    if (more.empty()) throw std::runtime_error(input + ": no layers in it");
    layers.insert(layers.end(), more.begin(), more.end());
  }
  return layers;
}

}  // namespace xconv::tools
