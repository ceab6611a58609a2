// The Conv layers of an ONNX model, for xconv-tune. Built with libonnx-dev
// (onnx_model.cc) when the meson option `onnx` finds it, else a stub that
// says how to get it (onnx_model_missing.cc); the library itself never
// depends on ONNX.
#ifndef XCONV_TOOLS_TUNE_ONNX_MODEL_H_
#define XCONV_TOOLS_TUNE_ONNX_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/layer_suite.h"

namespace xconv::tools {

// Every 2-D Conv node whose input shape is known (a graph input, a
// value_info, or the output of an earlier Conv or of a shape-preserving
// node): auto_pad SAME_UPPER/SAME_LOWER become four-sided padding, a
// symbolic batch dimension becomes `batch`. Throws std::runtime_error.
std::vector<Layer> read_onnx_convs(const std::string& path, int64_t batch);

}  // namespace xconv::tools

#endif  // XCONV_TOOLS_TUNE_ONNX_MODEL_H_
