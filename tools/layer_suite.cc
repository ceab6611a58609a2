#include "tools/layer_suite.h"

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "kernels/ukernels/gen/isa_table.h"  // header-only: the ISA names

namespace xconv::tools {

namespace {

// "A" or "A<sep>B<sep>..." into `count` numbers (a single number repeated).
bool read_numbers(const std::string& field, char separator, size_t count, int64_t* out) {
  std::istringstream in(field);
  for (size_t i = 0; i < count; ++i) {
    if (!(in >> out[i])) return false;
    if (i == 0 && in.peek() == std::char_traits<char>::eof()) {
      for (size_t j = 1; j < count; ++j) out[j] = out[0];
      return true;
    }
    if (i + 1 < count && in.get() != separator) return false;
  }
  return in.peek() == std::char_traits<char>::eof();
}

}  // namespace

Layer parse_layer(const std::string& line, const std::string& where) {
  std::istringstream fields(line);
  Layer layer;
  xconv_conv2d_desc& d = layer.desc;
  xconv_conv2d_desc_init(&d);
  std::string stride, pad, dilation, extra;
  int64_t s[2], p[4], dl[2];
  if (!(fields >> layer.name >> d.batch >> d.in_channels >> d.in_height >> d.in_width >> d.out_channels >>
        d.kernel_height >> d.kernel_width >> stride >> pad >> dilation >> d.groups) ||
      (fields >> extra)) {
    throw std::runtime_error(where + ": expected 12 fields: name N C H W K R S stride pad dilation groups");
  }
  if (!read_numbers(stride, 'x', 2, s)) throw std::runtime_error(where + ": stride is S or HxW, got " + stride);
  if (!read_numbers(pad, ',', 4, p)) throw std::runtime_error(where + ": pad is P or T,L,B,R, got " + pad);
  if (!read_numbers(dilation, 'x', 2, dl)) throw std::runtime_error(where + ": dilation is D or HxW, got " + dilation);
  d.stride_height = s[0], d.stride_width = s[1];
  d.pad_top = p[0], d.pad_left = p[1], d.pad_bottom = p[2], d.pad_right = p[3];
  d.dilation_height = dl[0], d.dilation_width = dl[1];
  return layer;
}

std::string format_layer(const Layer& layer) {
  const xconv_conv2d_desc& d = layer.desc;
  const auto pair = [](int64_t a, int64_t b) { return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b); };
  const bool even = d.pad_top == d.pad_left && d.pad_top == d.pad_bottom && d.pad_top == d.pad_right;
  const std::string pad = even ? std::to_string(d.pad_top)
                               : std::to_string(d.pad_top) + "," + std::to_string(d.pad_left) + "," +
                                     std::to_string(d.pad_bottom) + "," + std::to_string(d.pad_right);
  std::ostringstream out;
  out << layer.name << ' ' << d.batch << ' ' << d.in_channels << ' ' << d.in_height << ' ' << d.in_width << ' '
      << d.out_channels << ' ' << d.kernel_height << ' ' << d.kernel_width << ' '
      << pair(d.stride_height, d.stride_width) << ' ' << pad << ' ' << pair(d.dilation_height, d.dilation_width)
      << ' ' << d.groups;
  return out.str();
}

std::vector<Layer> read_layers(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open layer suite " + path);
  std::vector<Layer> layers;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    layers.push_back(parse_layer(line, path + ":" + std::to_string(number)));
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
