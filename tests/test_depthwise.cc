// The direct depthwise loops (kernels/paths/depthwise/): their NHWC tiles,
// bands and row prefetches and their NCHW tiles, on every ISA this CPU runs,
// against the scalar reference and, across thread counts, bit for bit.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/conv_checker.h"
#include "xconv/xconv.h"

namespace xconv::test {
namespace {

// A depthwise NHWC case of one image, `channels` wide, without padding.
ConvCase depthwise_nhwc_case(int64_t channels, int64_t height, int64_t width, int64_t kernel_h, int64_t kernel_w,
                             int64_t stride) {
  ConvCase c;
  xconv_conv2d_desc& d = c.desc;
  xconv_conv2d_desc_init(&d);
  d.layout = XCONV_LAYOUT_NHWC;
  d.batch = 1;
  d.groups = d.in_channels = d.out_channels = channels;
  d.in_height = height;
  d.in_width = width;
  d.kernel_height = kernel_h;
  d.kernel_width = kernel_w;
  d.stride_height = d.stride_width = stride;
  return c;
}

class Depthwise : public ::testing::TestWithParam<xconv_isa> {};

// NHWC depthwise runs tiles of 14 and 7 pixels, then single ones, over
// whole vectors of channels and a tail; kernel widths 3 and 5 at stride 1 or
// 2 share column loads across taps, the other shapes read a pointer per tap.
// Every combination, with padding on both edges and the post-ops.
TEST_P(Depthwise, NhwcTiles) {
  int failures = 0, n = 0;
  for (int64_t kw : {2, 3, 5}) {
    for (int64_t stride : {1, 2}) {
      for (int64_t dilation : {1, 2}) {
        for (int64_t channels : {16, 37}) {
          for (int64_t width : {7, 15, 30}) {
            // 5x5 as in real networks; 3x3 is where rows unroll
            ConvCase c = depthwise_nhwc_case(channels, 5, width, kw == 5 ? 5 : 3, kw, stride);
            xconv_conv2d_desc& d = c.desc;
            d.dilation_width = dilation;
            d.pad_top = d.pad_bottom = 1;
            d.pad_left = (kw - 1) * dilation / 2;
            d.pad_right = (kw - 1) * dilation - d.pad_left;
            d.has_residual = ++n % 3 == 0;
            d.output_min = -0.5f;
            c.prelu = n % 2 == 0;
            c.seed = static_cast<uint64_t>(n);
            xconv_plan_options o;
            xconv_plan_options_init(&o);
            o.isa = GetParam();
            const ::testing::AssertionResult result = check_case(c, o);
            EXPECT_TRUE(result) << describe(c);
            if (!result && ++failures == 5) return;
          }
        }
      }
    }
  }
}

// NCHW depthwise planes run in tiles of output rows by vectors of output
// columns (depthwise_nchw-inl.h): four vectors by two rows, three by three,
// two by four, one by eight, the rows left over in tiles of half as many.
// Widths from one partial vector to several chunks of four and a partial
// last vector, heights that leave each count of rows over, both strides,
// 3x3 and dilated 5x5 kernels, with a residual, slopes and a clamp in turn.
TEST_P(Depthwise, NchwTiles) {
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.isa = GetParam();
  o.path = "depthwise_direct";
  {
    ConvCase c = depthwise_nhwc_case(3, 9, 9, 3, 3, 1);
    c.desc.layout = XCONV_LAYOUT_NCHW;
    const std::vector<float> weights(27, 0.5f);
    xconv_plan* plan = nullptr;
    if (xconv_plan_create(&c.desc, weights.data(), nullptr, &o, &plan) != XCONV_OK) {
      GTEST_SKIP() << xconv_isa_name(GetParam()) << ": " << xconv_last_error();
    }
    xconv_plan_destroy(plan);
  }
  int failures = 0, n = 0;
  for (int64_t kernel : {3, 5}) {
    for (int64_t stride : {1, 2}) {
      for (int64_t out_w : {5, 8, 16, 23, 32, 33, 56, 61}) {
        for (int64_t out_h : {1, 2, 3, 5, 9, 10}) {
          const int64_t dilation = kernel == 5 ? 2 : 1, pad = (kernel - 1) * dilation / 2;
          // Padding of half the kernel's reach: out = (in - 1) / stride + 1.
          ConvCase c = depthwise_nhwc_case(3, (out_h - 1) * stride + 1, (out_w - 1) * stride + 1, kernel, kernel,
                                           stride);
          xconv_conv2d_desc& d = c.desc;
          d.layout = XCONV_LAYOUT_NCHW;
          d.dilation_height = d.dilation_width = dilation;
          d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = pad;
          d.has_residual = ++n % 3 == 0;
          if (n % 4 == 1) d.output_min = -0.5f;
          c.prelu = n % 2 == 0;
          c.seed = static_cast<uint64_t>(n);
          const ::testing::AssertionResult result = check_case(c, o);
          EXPECT_TRUE(result) << describe(c);
          if (!result && ++failures == 5) return;
        }
      }
    }
  }
}

// Where a vector of channels is a cache line (AVX-512), NHWC depthwise
// layers with sliding tiles sweep bands of output rows a vector at a time
// (depthwise.h, sweep_rows), and the bands are cut by the thread count: 16
// rows on one thread, 5 on two, 4 on three for these 40-row images. Each
// output is still one chain over the taps, so every count gives the bits
// of the others, and all are within the bound of the reference; channel
// tails, padding on every edge and the residual included.
TEST_P(Depthwise, NhwcBandsGiveTheSameBits) {
  int n = 0, sweeping = 0;
  for (int64_t kw : {3, 5}) {
    for (int64_t stride : {1, 2}) {
      for (int64_t channels : {48, 37}) {
        ConvCase c = depthwise_nhwc_case(channels, 40 * stride, 30, kw, kw, stride);
        xconv_conv2d_desc& d = c.desc;
        d.batch = 2;
        d.pad_top = d.pad_left = kw / 2;
        d.pad_bottom = d.pad_right = kw / 2 + stride - 1;
        d.has_residual = stride == 2;
        c.prelu = n % 3 == 0;
        c.seed = static_cast<uint64_t>(n);
        const ConvData data = random_data(c.desc, c.seed);
        std::vector<float> first;
        for (int threads : {1, 2, 3}) {
          std::string description;
          const std::vector<float> out = output_on_threads(c, data, GetParam(), threads, data.bias.data(), &description);
          ASSERT_FALSE(out.empty());
          sweeping += description.find("sweep_rows=0") == std::string::npos &&
                      description.find("sweep_rows=") != std::string::npos;
          xconv_plan_options o;
          xconv_plan_options_init(&o);
          o.isa = GetParam();
          o.num_threads = threads;
          o.use_all_threads = 1;
          EXPECT_TRUE(check_case(c, o)) << threads << " threads; " << describe(c);
          if (first.empty()) {
            first = out;
          } else {
            ASSERT_EQ(0, std::memcmp(first.data(), out.data(), out.size() * sizeof(float)))
                << threads << " threads differ from 1; " << description << "; " << describe(c);
          }
        }
      }
    }
  }
  // Every plan of the AVX-512 loops sweeps here; the other targets keep
  // the row order.
  if (GetParam() == XCONV_ISA_AVX512) {
    EXPECT_EQ(sweeping, 8 * 3);
  }
}

// Runs whose activations overflow half the last-level cache (at most 16
// MiB: plan.cc caps the L3 it believes at 32 MiB) ask ahead for the next
// output row's input rows: one row at stride 1, two at stride 2. On x86
// they also stream their output in whole lines where every pixel starts a
// line (stream_pixels): the output on a 64-byte boundary, which streams,
// and one float past it, which stores as usual; AVX2 pairs two vectors a
// line, AVX-512 streams each. For the ISAs with depthwise loops (the
// others plan these layers as GEMMs).
TEST_P(Depthwise, NhwcRunsFromDram) {
  for (int64_t stride : {1, 2}) {
    for (int line_offset : {0, 1}) {
      const int64_t size = stride == 1 ? 184 : 256;  // input and output: 17.3 MB, 21 MB
      ConvCase c = depthwise_nhwc_case(64, size, size, 3, 3, stride);
      xconv_conv2d_desc& d = c.desc;
      d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = 1;
      d.has_residual = stride == 2;
      c.output_line_offset = line_offset;
      c.seed = static_cast<uint64_t>(stride * 2 + line_offset);
      xconv_plan_options o;
      xconv_plan_options_init(&o);
      o.isa = GetParam();
      const std::vector<float> weights(64 * 9, 0.5f);
      xconv_plan* plan = nullptr;
      ASSERT_EQ(xconv_plan_create(&d, weights.data(), nullptr, &o, &plan), XCONV_OK) << xconv_last_error();
      const bool depthwise = std::string(xconv_plan_describe(plan)).find("path=depthwise_direct") != std::string::npos;
      xconv_plan_destroy(plan);
      if (!depthwise) GTEST_SKIP() << xconv_isa_name(GetParam()) << " has no depthwise loops";
      EXPECT_TRUE(check_case(c, o)) << describe(c) << ", output " << line_offset << " floats past a line";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Conv, Depthwise, ::testing::ValuesIn(runnable_isas()), isa_param_name);

}  // namespace
}  // namespace xconv::test
