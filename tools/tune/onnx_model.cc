#include "tools/tune/onnx_model.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

namespace xconv::tools {
namespace {

using Dims = std::vector<int64_t>;  // -1: a symbolic dimension

Dims dims_of(const onnx::ValueInfoProto& v) {
  Dims dims;
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return dims;
  for (const auto& d : v.type().tensor_type().shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return dims;
}

// Element-wise nodes: the output has the first input's shape.
const std::set<std::string> kShapePreserving = {
    "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "BatchNormalization",
    "Add", "Sub", "Mul", "Div", "Identity", "Dropout"};

struct ConvAttributes {
  std::string auto_pad = "NOTSET";
  Dims dilations = {1, 1}, kernel_shape, pads = {0, 0, 0, 0}, strides = {1, 1};
  int64_t group = 1;
};

ConvAttributes attributes_of(const onnx::NodeProto& node) {
  ConvAttributes a;
  for (const auto& attr : node.attribute()) {
    const Dims ints(attr.ints().begin(), attr.ints().end());
    if (attr.name() == "auto_pad") a.auto_pad = attr.s();
    else if (attr.name() == "dilations") a.dilations = ints;
    else if (attr.name() == "kernel_shape") a.kernel_shape = ints;
    else if (attr.name() == "pads") a.pads = ints;
    else if (attr.name() == "strides") a.strides = ints;
    else if (attr.name() == "group") a.group = attr.i();
  }
  return a;
}

// auto_pad SAME_*: the output is ceil(in / stride); the total padding that
// takes goes half to each side, the odd one at the end (UPPER) or the
// beginning (LOWER), as ONNX defines it.
void same_padding(const std::string& mode, int64_t in, int64_t k, int64_t stride, int64_t dilation, int64_t* begin,
                  int64_t* end) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + (k - 1) * dilation + 1 - in);
  *begin = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
  *end = total - *begin;
}

std::string layer_name(const onnx::NodeProto& node, size_t index) {
  std::string name = node.name().empty() ? "conv" + std::to_string(index) : node.name();
  for (char& c : name) {
    if (c <= ' ' || c == '/' || c > '~') c = '_';
  }
  return name;
}

}  // namespace

std::vector<Layer> read_onnx_convs(const std::string& path, int64_t batch) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in)) throw std::runtime_error(path + ": not an ONNX model");
  const onnx::GraphProto& graph = model.graph();
  std::map<std::string, Dims> shapes;
  for (const auto& v : graph.input()) shapes[v.name()] = dims_of(v);
  for (const auto& v : graph.value_info()) shapes[v.name()] = dims_of(v);
  for (const auto& t : graph.initializer()) shapes[t.name()] = Dims(t.dims().begin(), t.dims().end());

  std::vector<Layer> layers;
  size_t index = 0;
  for (const onnx::NodeProto& node : graph.node()) {
    const Dims x = node.input_size() > 0 && shapes.count(node.input(0)) ? shapes[node.input(0)] : Dims{};
    if (kShapePreserving.count(node.op_type()) && node.output_size() > 0 && !x.empty()) {
      shapes.emplace(node.output(0), x);
      continue;
    }
    if (node.op_type() != "Conv") continue;
    const std::string name = layer_name(node, index++);
    const Dims w = node.input_size() > 1 && shapes.count(node.input(1)) ? shapes[node.input(1)] : Dims{};
    if (x.size() != 4 || w.size() != 4 || x[1] < 0 || x[2] < 0 || x[3] < 0) {
      std::fprintf(stderr, "xconv-tune: %s: Conv '%s' skipped: not 2-D, or its input shape is unknown\n",
                   path.c_str(), name.c_str());
      continue;
    }
    const ConvAttributes a = attributes_of(node);
    if (a.dilations.size() != 2 || a.strides.size() != 2 || a.pads.size() != 4) {
      throw std::runtime_error(path + ": Conv '" + name + "': dilations, strides and pads must have 2, 2, 4 values");
    }
    Layer layer;
    layer.name = name;
    xconv_conv2d_desc& d = layer.desc;
    xconv_conv2d_desc_init(&d);
    d.batch = x[0] < 0 ? batch : x[0];
    d.in_channels = x[1], d.in_height = x[2], d.in_width = x[3];
    d.out_channels = w[0], d.kernel_height = w[2], d.kernel_width = w[3];
    d.stride_height = a.strides[0], d.stride_width = a.strides[1];
    d.dilation_height = a.dilations[0], d.dilation_width = a.dilations[1];
    d.groups = a.group;
    if (a.auto_pad == "SAME_UPPER" || a.auto_pad == "SAME_LOWER") {
      same_padding(a.auto_pad, d.in_height, d.kernel_height, d.stride_height, d.dilation_height, &d.pad_top,
                   &d.pad_bottom);
      same_padding(a.auto_pad, d.in_width, d.kernel_width, d.stride_width, d.dilation_width, &d.pad_left,
                   &d.pad_right);
    } else if (a.auto_pad == "NOTSET") {
      d.pad_top = a.pads[0], d.pad_left = a.pads[1], d.pad_bottom = a.pads[2], d.pad_right = a.pads[3];
    }  // VALID: no padding
    int64_t oh = 0, ow = 0;
    if (xconv_conv2d_output_size(&d, &oh, &ow) != XCONV_OK) {
      throw std::runtime_error(path + ": Conv '" + name + "': " + xconv_last_error());
    }
    if (node.output_size() > 0) shapes[node.output(0)] = {x[0], d.out_channels, oh, ow};
    layers.push_back(layer);
  }
  return layers;
}

}  // namespace xconv::tools
