#include <stdexcept>

#include "tools/tune/onnx_model.h"

namespace xconv::tools {

std::vector<Layer> read_onnx_convs(const std::string& path, int64_t) {
  throw std::runtime_error(path + ": this xconv-tune was built without ONNX support (apt-get install libonnx-dev, "
                                  "then meson setup --reconfigure -Donnx=enabled)");
}

}  // namespace xconv::tools
