// The layer suite (bench/layers.txt): real layers of ResNet-50, VGG-16,
// MobileNetV2, a YOLO-style layer and small cases, one per line:
//   name N C H W K R S stride pad dilation groups
// stride and dilation: one number for both axes, or HxW ("2x1"); pad: one
// number for all four sides, or top,left,bottom,right ("0,0,1,1").
// Shared by the demo, the tools and the benchmarks, with two small helpers.
#ifndef XCONV_TOOLS_LAYER_SUITE_H_
#define XCONV_TOOLS_LAYER_SUITE_H_

#include <string>
#include <vector>

#include "xconv/xconv.h"

namespace xconv::tools {

struct Layer {
  std::string name;
  xconv_conv2d_desc desc;
};

// Reads the suite; throws std::runtime_error naming the file and line on error.
std::vector<Layer> read_layers(const std::string& path);

// One line of the suite's format; `where` names it in the error thrown.
Layer parse_layer(const std::string& line, const std::string& where);

// The layer as a line of the suite's format (four-sided padding written out
// only when the sides differ).
std::string format_layer(const Layer& layer);

// 2 * N * K * (C/g) * R * S * OH * OW: the multiply-adds counted as two flops.
double conv_flops(const xconv_conv2d_desc& desc);

// The ISA spelled `name` as XCONV_ISA spells it ("avx2", ...), or
// XCONV_ISA_AUTO when no ISA has that name.
xconv_isa isa_from_name(const std::string& name);

// Deterministic pseudo-random values in [-1, 1).
std::vector<float> random_floats(size_t count, unsigned seed);

}  // namespace xconv::tools

#endif  // XCONV_TOOLS_LAYER_SUITE_H_
