// xconv as a PyTorch operator (torch.utils.cpp_extension builds it; see
// xconv_torch.py). One Conv object per convolution of a model: it keeps the
// packed weights of one plan per input size and layout, runs on PyTorch's
// own threads through at::parallel_for (xconv_run_args.parallel_for), so
// torch.set_num_threads decides for both, and fuses what the model allows:
// bias, a residual add, ReLU / ReLU6 / leaky ReLU.
#include <torch/extension.h>

#include <ATen/Parallel.h>

// at::parallel_for's OpenMP region is a template compiled into this file:
// without OpenMP here every job would run on the calling thread.
#if AT_PARALLEL_OPENMP && !defined(_OPENMP)
#error "build with -fopenmp (xconv_torch.py does)"
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>

#include "xconv/xconv.h"

namespace {

void check(xconv_status status, const char* what) {
  if (status != XCONV_OK) throw std::runtime_error(std::string(what) + ": " + xconv_last_error());
}

// xconv's jobs on PyTorch's pool: one chunk per job.
void torch_parallel_for(void*, size_t count, xconv_task_fn task, void* context) {
  at::parallel_for(0, static_cast<int64_t>(count), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) task(context, static_cast<size_t>(i));
  });
}

struct PlanDeleter {
  void operator()(xconv_plan* p) const { xconv_plan_destroy(p); }
};

class Conv {
 public:
  // weight: [K, C/g, R, S]; bias: [K] or empty. min/max: the fused clamp.
  Conv(torch::Tensor weight, c10::optional<torch::Tensor> bias, std::vector<int64_t> stride,
       std::vector<int64_t> padding, std::vector<int64_t> dilation, int64_t groups, double output_min,
       double output_max, bool has_residual)
      : weight_(weight.detach().to(torch::kFloat).contiguous()),
        bias_(bias && bias->defined() ? bias->detach().to(torch::kFloat).contiguous() : torch::Tensor()),
        stride_(stride), padding_(padding), dilation_(dilation), groups_(groups),
        min_(static_cast<float>(output_min)), max_(static_cast<float>(output_max)), has_residual_(has_residual) {}

  torch::Tensor forward(torch::Tensor input, c10::optional<torch::Tensor> residual) {
    TORCH_CHECK(input.dim() == 4 && input.scalar_type() == torch::kFloat, "xconv: a 4-D float32 input");
    TORCH_CHECK(residual.has_value() == has_residual_, "xconv: residual given to a conv planned without, or missing");
    const bool nhwc = !input.is_contiguous() && input.is_contiguous(at::MemoryFormat::ChannelsLast);
    const auto format = nhwc ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    input = input.contiguous(format);
    const int64_t n = input.size(0), h = input.size(2), w = input.size(3);
    const xconv_plan* plan = plan_for(n, input.size(1), h, w, nhwc);
    int64_t oh = 0, ow = 0;
    const xconv_conv2d_desc d = desc(n, input.size(1), h, w, nhwc);
    check(xconv_conv2d_output_size(&d, &oh, &ow), "xconv_conv2d_output_size");
    torch::Tensor output = torch::empty({n, weight_.size(0), oh, ow}, input.options().memory_format(format));
    torch::Tensor res;
    if (has_residual_) {
      res = residual->contiguous(format);
      TORCH_CHECK(res.sizes() == output.sizes(), "xconv: the residual's shape is not the output's");
    }
    xconv_run_args args;
    xconv_run_args_init(&args);
    args.input = input.data_ptr<float>();
    args.output = output.data_ptr<float>();
    args.batch = n;
    args.residual = has_residual_ ? res.data_ptr<float>() : nullptr;
    if (at::get_num_threads() > 1) args.parallel_for = torch_parallel_for;
    check(xconv_plan_execute(plan, &args), "xconv_plan_execute");
    return output;
  }

  // Plan creation time (ms) and packed-weight bytes, summed over this
  // convolution's plans, and the largest workspace one of them needs.
  std::tuple<double, size_t, size_t> stats() const { return {create_ms_, packed_bytes_, workspace_bytes_}; }

  std::string describe() const {
    std::string text;
    for (const auto& entry : plans_) text += std::string(xconv_plan_describe(entry.second.get())) + "\n";
    return text;
  }

 private:
  xconv_conv2d_desc desc(int64_t n, int64_t c, int64_t h, int64_t w, bool nhwc) const {
    xconv_conv2d_desc d;
    xconv_conv2d_desc_init(&d);
    d.batch = n, d.in_channels = c, d.in_height = h, d.in_width = w;
    d.out_channels = weight_.size(0), d.kernel_height = weight_.size(2), d.kernel_width = weight_.size(3);
    d.stride_height = stride_[0], d.stride_width = stride_[1];
    d.dilation_height = dilation_[0], d.dilation_width = dilation_[1];
    d.pad_top = d.pad_bottom = padding_[0];
    d.pad_left = d.pad_right = padding_[1];
    d.groups = groups_;
    d.layout = nhwc ? XCONV_LAYOUT_NHWC : XCONV_LAYOUT_NCHW;
    d.weight_layout = XCONV_WEIGHTS_OIHW;
    d.output_min = min_, d.output_max = max_;
    d.has_residual = has_residual_;
    return d;
  }

  // One plan per image size, layout and thread count, for the largest batch
  // seen so far: smaller batches run on it (xconv_run_args.batch).
  const xconv_plan* plan_for(int64_t n, int64_t c, int64_t h, int64_t w, bool nhwc) {
    const int threads = at::get_num_threads();
    const auto key = std::make_tuple(h, w, nhwc, threads);
    auto it = plans_.find(key);
    if (it != plans_.end() && batch_[key] >= n) return it->second.get();
    xconv_plan_options o;
    xconv_plan_options_init(&o);
    o.num_threads = threads;
    const xconv_conv2d_desc d = desc(n, c, h, w, nhwc);
    xconv_plan* plan = nullptr;
    const auto start = std::chrono::steady_clock::now();
    check(xconv_plan_create(&d, weight_.data_ptr<float>(), bias_.defined() ? bias_.data_ptr<float>() : nullptr, &o,
                            &plan),
          "xconv_plan_create");
    create_ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    size_t packed = 0;
    check(xconv_packed_weights_size(&d, &o, &packed), "xconv_packed_weights_size");
    packed_bytes_ += packed;
    workspace_bytes_ = std::max(workspace_bytes_, xconv_plan_workspace_size(plan));
    plans_[key].reset(plan);
    batch_[key] = n;
    return plan;
  }

  torch::Tensor weight_, bias_;
  std::vector<int64_t> stride_, padding_, dilation_;
  int64_t groups_;
  float min_, max_;
  bool has_residual_;
  std::map<std::tuple<int64_t, int64_t, bool, int>, std::unique_ptr<xconv_plan, PlanDeleter>> plans_;
  std::map<std::tuple<int64_t, int64_t, bool, int>, int64_t> batch_;
  double create_ms_ = 0;
  size_t packed_bytes_ = 0, workspace_bytes_ = 0;
};

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "xconv convolutions as PyTorch operators";
  m.def("version", [] { return std::string(xconv_version()); });
  pybind11::class_<Conv>(m, "Conv")
      .def(pybind11::init<torch::Tensor, c10::optional<torch::Tensor>, std::vector<int64_t>, std::vector<int64_t>,
                          std::vector<int64_t>, int64_t, double, double, bool>())
      .def("forward", &Conv::forward, pybind11::arg("input"), pybind11::arg("residual") = pybind11::none())
      .def("stats", &Conv::stats)
      .def("describe", &Conv::describe);
}
