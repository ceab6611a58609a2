// Guard pages: each of input, weights, bias and output is placed flush
// against an inaccessible (PROT_NONE) page, at its end and then at its start,
// in turn, for every ISA this CPU runs and many shapes with ragged tails. Any
// read or write outside a caller's buffer, by a packer or a SIMD load or
// store, is a SIGSEGV and the test binary dies.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <random>
#include <vector>

#include "tests/conv_checker.h"
#include "xconv/xconv.h"

namespace xconv::test {
namespace {

// `count` floats whose first or last element touches a PROT_NONE page.
class GuardedBuffer {
 public:
  GuardedBuffer(const std::vector<float>& contents, bool flush_end) : count_(contents.size()) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = count_ * sizeof(float);
    data_pages_ = (bytes + page - 1) / page;
    size_ = (data_pages_ + 2) * page;
    base_ = static_cast<char*>(mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (base_ == MAP_FAILED) throw std::runtime_error("mmap failed");
    mprotect(base_, page, PROT_NONE);
    mprotect(base_ + (data_pages_ + 1) * page, page, PROT_NONE);
    char* first = base_ + page;
    data_ = reinterpret_cast<float*>(flush_end ? first + data_pages_ * page - bytes : first);
    if (count_) std::memcpy(data_, contents.data(), bytes);
  }
  ~GuardedBuffer() { munmap(base_, size_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  float* data() const { return data_; }
  std::vector<float> contents() const { return std::vector<float>(data_, data_ + count_); }

 private:
  size_t count_, data_pages_ = 0, size_ = 0;
  char* base_ = nullptr;
  float* data_ = nullptr;
};

class GuardPages : public ::testing::TestWithParam<xconv_isa> {};

TEST_P(GuardPages, NoAccessOutsideTheCallersBuffers) {
  constexpr int kShapes = 120;
  size_t placements = 0;
  const auto guard = [&](const ConvCase& c, const xconv_plan_options& o) {
    const ConvData data = random_data(c.desc, c.seed);
    const xconv_conv2d_desc d = desc_with(c, data);
    const std::vector<float>&in = data.input, &w = data.weights, &bias = data.bias;
    const size_t out_count = data.output_count;

    // The reference result: plain buffers.
    std::vector<float> expected(out_count, NAN);  // NaN in any gaps of a strided output too
    xconv_plan* plan = nullptr;
    ASSERT_EQ(xconv_plan_create(&d, w.data(), bias.data(), &o, &plan), XCONV_OK) << xconv_last_error();
    ASSERT_EQ(run_case(plan, c, data, in.data(), expected.data()), XCONV_OK) << xconv_last_error();
    xconv_plan_destroy(plan);

    // Then each buffer in turn against a guard page, at each end (the
    // residual too, when the case has a separate one; an in-place one is
    // the output).
    const char* const names[] = {"input", "weights", "bias", "output", "residual"};
    const int buffers = d.has_residual && !c.residual_in_place ? 5 : 4;
    for (int guarded = 0; guarded < buffers; ++guarded) {
      for (bool flush_end : {true, false}) {
        SCOPED_TRACE(describe(c) + " guarded: " + names[guarded] + (flush_end ? " at its end" : " at its start"));
        GuardedBuffer g_in(in, flush_end && guarded == 0), g_w(w, flush_end && guarded == 1),
            g_b(bias, flush_end && guarded == 2), g_out(std::vector<float>(out_count, NAN), flush_end && guarded == 3),
            g_res(data.residual, flush_end && guarded == 4);
        const float* in_ptr = guarded == 0 ? g_in.data() : in.data();
        const float* w_ptr = guarded == 1 ? g_w.data() : w.data();
        const float* b_ptr = guarded == 2 ? g_b.data() : bias.data();
        const float* res_ptr = guarded == 4 ? g_res.data() : data.residual.data();
        std::vector<float> plain_out(out_count, NAN);
        float* out_ptr = guarded == 3 ? g_out.data() : plain_out.data();
        ASSERT_EQ(xconv_plan_create(&d, w_ptr, b_ptr, &o, &plan), XCONV_OK);
        ASSERT_EQ(run_case(plan, c, data, in_ptr, out_ptr, res_ptr), XCONV_OK) << xconv_last_error();
        xconv_plan_destroy(plan);
        ASSERT_EQ(0, std::memcmp(out_ptr, expected.data(), out_count * sizeof(float)));
        ++placements;
      }
    }
  };
  for (int i = 0; i < kShapes; ++i) {
    const ConvCase c = random_case(base_seed() + 104729u * i);
    guard(c, random_options(c, GetParam()));
  }
  // Square groups of 8 in NHWC (ResNeXt's), which random shapes seldom
  // give, with padding on every side: on AVX2 the grouped broadcast tiles,
  // whose padding taps read a static row of zeros.
  ConvCase groups;
  xconv_conv2d_desc_init(&groups.desc);
  groups.desc.batch = 2, groups.desc.groups = 3, groups.desc.in_channels = groups.desc.out_channels = 24;
  groups.desc.in_height = 5, groups.desc.in_width = 13, groups.desc.kernel_height = groups.desc.kernel_width = 3;
  groups.desc.pad_top = groups.desc.pad_left = groups.desc.pad_bottom = groups.desc.pad_right = 1;
  groups.desc.layout = XCONV_LAYOUT_NHWC;
  groups.desc.has_residual = 1;
  groups.seed = base_seed();
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.isa = GetParam();
  guard(groups, o);
  std::printf("%s: %d shapes and square groups, %zu guarded placements\n", xconv_isa_name(GetParam()), kShapes,
              placements);
}

INSTANTIATE_TEST_SUITE_P(Hardening, GuardPages, ::testing::ValuesIn(runnable_isas()), isa_param_name);

}  // namespace
}  // namespace xconv::test
