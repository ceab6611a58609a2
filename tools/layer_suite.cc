#include "tools/layer_suite.h"

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "kernels/ukernels/gen/isa_table.h"  // header-only: the ISA names

namespace xconv::tools {

std::vector<Layer> read_layers(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open layer suite " + path);
  std::vector<Layer> layers;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Layer layer;
    xconv_conv2d_desc& d = layer.desc;
    xconv_conv2d_desc_init(&d);
    int64_t stride = 0, pad = 0, dilation = 0;
    if (!(fields >> layer.name >> d.batch >> d.in_channels >> d.in_height >> d.in_width >>
          d.out_channels >> d.kernel_height >> d.kernel_width >> stride >> pad >> dilation >> d.groups)) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": expected 12 fields");
    }
    d.stride_height = d.stride_width = stride;
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = pad;
    d.dilation_height = d.dilation_width = dilation;
    layers.push_back(layer);
  }
  return layers;
}

double conv_flops(const xconv_conv2d_desc& d) {
  int64_t oh = 0, ow = 0;
  xconv_conv2d_output_size(&d, &oh, &ow);
  return 2.0 * d.batch * d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width *
         oh * ow;
}

xconv_isa isa_from_name(const std::string& name) {
  for (const IsaInfo& info : kIsas) {
    if (name == info.name) return info.isa;
  }
  return XCONV_ISA_AUTO;
}

std::vector<float> random_floats(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace xconv::tools
