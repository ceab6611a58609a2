// What xconv-tune tunes: each INPUT is a layer-suite file (bench/layers.txt's
// format, tools/layer_suite.h), one layer written inline in that format, or
// an ONNX model whose Conv nodes become layers (onnx_model.h).
#ifndef XCONV_TOOLS_TUNE_INPUTS_H_
#define XCONV_TOOLS_TUNE_INPUTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/layer_suite.h"

namespace xconv::tools {

// `batch` replaces an ONNX model's symbolic batch dimension. Throws
// std::runtime_error naming the input at fault.
std::vector<Layer> read_inputs(const std::vector<std::string>& inputs, int64_t batch);

}  // namespace xconv::tools

#endif  // XCONV_TOOLS_TUNE_INPUTS_H_
