// Every micro-kernel against its scalar model, bit for bit, on the same
// inputs (dav1d checkasm / XNNPACK gemm-tester style): mr 1..MR, nr 1..NR,
// kc edge values, accumulate on (C random) and off (C NaN), bias per row,
// per column or none, clamps, an odd ldc, and guard values around and
// between the C rows that must survive. IGEMM kernels get the same sweep
// with the depth split into taps (one tap; one channel per tap; a divisor),
// rows in separate buffers, and some row-taps pointing at a shared zero row
// as padding taps do.
//
// XCONV_TEST_QUICK=1 trims the sweep (for emulators: Bochs runs ~200 MIPS).
// A binary built with XCONV_TEST_AVX512_EMULATED runs the AVX-512 kernels
// through SIMDe whatever the CPU.
#include <algorithm>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/ukernels/gen/kernels.h"
#include "kernels/ukernels/gemm_model.h"
#include "tests/test_seed.h"
#include "xconv/xconv.h"

namespace xconv::test {
namespace {

struct KernelUnderTest {
  const char* name;
  xconv_isa isa;
  size_t mr, nr;
  bool variant;  // a tuning variant (gen/kernels.py)
  xconv_ukernel_fn kernel, model;                    // GEMM kernels
  xconv_igemm_ukernel_fn igemm_kernel, igemm_model;  // IGEMM kernels
};

const KernelUnderTest kKernels[] = {
#define XCONV_KERNEL(isa, mr, nr, fused, variant, name) \
  {#name, isa, mr, nr, variant, name, &gemm_model<mr, nr, fused>, nullptr, nullptr},
#define XCONV_IGEMM_KERNEL(isa, mr, nr, fused, variant, name) \
  {#name, isa, mr, nr, variant, nullptr, nullptr, name, &igemm_model<mr, nr, fused>},
#include "kernels/ukernels/gen/kernel_list.inc"
#undef XCONV_IGEMM_KERNEL
#undef XCONV_KERNEL
};

// One call of the kernel or its model on a K-deep packed A panel (a[k*MR+i]).
// An IGEMM kernel sees the same A through row pointers: the depth split into
// `taps` taps, each row of each tap in a buffer of its own, and the row-taps
// whose A values are all zero given the shared zero row instead, as the
// indirect path does for padding.
class Caller {
 public:
  Caller(const KernelUnderTest& k, const std::vector<float>& a, size_t kc, size_t taps) : k_(k), kc_(kc) {
    if (k.igemm_kernel == nullptr) return;
    taps_ = taps;
    const size_t per_tap = kc / taps;
    zero_.assign(per_tap, 0.0f);
    rows_.resize(taps * k.mr);
    pointers_.resize(taps * k.mr);
    for (size_t t = 0; t < taps; ++t) {
      for (size_t i = 0; i < k.mr; ++i) {
        std::vector<float>& row = rows_[t * k.mr + i];
        bool all_zero = true;
        for (size_t u = 0; u < per_tap; ++u) {
          row.push_back(a[(t * per_tap + u) * k.mr + i]);
          all_zero = all_zero && row.back() == 0.0f && !std::signbit(row.back());
        }
        pointers_[t * k.mr + i] = all_zero ? zero_.data() : row.data();
      }
    }
  }

  // nr columns; an IGEMM kernel takes more than NR too, its panels of B
  // w_stride floats apart.
  void kernel(size_t mr, size_t nr, const float* a, const float* b, size_t w_stride, float* c, size_t ldc,
              const xconv_epilogue* ep) const {
    if (k_.kernel) return k_.kernel(mr, nr, kc_, a, b, c, ldc, ep);
    k_.igemm_kernel(mr, nr, kc_ / taps_, taps_, pointers_.data(), b, w_stride, c, ldc, ep);
  }
  void model(size_t mr, size_t nr, const float* a, const float* b, size_t w_stride, float* c, size_t ldc,
             const xconv_epilogue* ep) const {
    if (k_.model) return k_.model(mr, nr, kc_, a, b, c, ldc, ep);
    k_.igemm_model(mr, nr, kc_ / taps_, taps_, pointers_.data(), b, w_stride, c, ldc, ep);
  }

 private:
  const KernelUnderTest& k_;
  size_t kc_, taps_ = 1;
  std::vector<float> zero_;
  std::vector<std::vector<float>> rows_;
  std::vector<const float*> pointers_;
};

// How an IGEMM sweep splits a depth into taps: all in one, one channel a
// tap (small depths), and the smallest other divisor. GEMM kernels: one way.
std::vector<size_t> tap_splits(const KernelUnderTest& k, size_t kc) {
  if (k.igemm_kernel == nullptr) return {1};
  std::vector<size_t> splits{1};
  if (kc > 1 && kc <= 9) splits.push_back(kc);
  for (size_t d = 2; d < kc; ++d) {
    if (kc % d == 0) {
      splits.push_back(d);
      break;
    }
  }
  return splits;
}

// XCONV_TEST_SKIP_VARIANTS=1 (the Bochs guest) leaves the tuning variants
// to the native and SIMDe sweeps: an emulator takes a sample.
bool sampled_out(const KernelUnderTest& k) { return k.variant && std::getenv("XCONV_TEST_SKIP_VARIANTS") != nullptr; }

bool runnable(const KernelUnderTest& k) {
#if defined(XCONV_TEST_AVX512_EMULATED)
  if (k.isa == XCONV_ISA_AVX512) return true;
#endif
  return xconv_isa_supported(k.isa) != 0;
}

constexpr uint32_t kGuardBits = 0x7fc0beef;

float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

enum class Residual { kNone, kSeparate, kInPlace };

struct Epilogue {
  const char* what;
  bool last, row_bias, col_bias;
  float min, max;
  bool row_slope = false, col_slope = false;
  Residual residual = Residual::kNone;
  float residual_scale = 1.0f;
};

const Epilogue kEpilogues[] = {
    {"partial K block", false, false, false, -INFINITY, INFINITY},
    {"last, no bias", true, false, false, -INFINITY, INFINITY},
    {"last, row bias, clamp", true, true, false, -0.5f, 0.5f},
    {"last, column bias, relu", true, false, true, 0.0f, INFINITY},
    {"last, column bias, clamp", true, false, true, -0.5f, 0.5f},
    {"partial K block from a residual", false, false, false, -INFINITY, INFINITY, false, false, Residual::kSeparate,
     0.75f},
    {"last, row bias and slope, residual", true, true, false, -INFINITY, INFINITY, true, false, Residual::kSeparate,
     -1.5f},
    {"last, column bias and slope, residual in C, relu6", true, false, true, 0.0f, 6.0f, false, true,
     Residual::kInPlace, 1.0f},
    {"last, column slope (PReLU)", true, false, false, -INFINITY, INFINITY, false, true},
};

// The epilogue of case e over the given per-row and per-column values.
xconv_epilogue make_epilogue(const Epilogue& e, bool accumulate, const std::vector<float>& bias_row,
                             const std::vector<float>& bias_col, const std::vector<float>& slope_row,
                             const std::vector<float>& slope_col) {
  xconv_epilogue ep{};
  ep.bias_row = e.row_bias ? bias_row.data() : nullptr;
  ep.bias_col = e.col_bias ? bias_col.data() : nullptr;
  ep.slope_row = e.row_slope ? slope_row.data() : nullptr;
  ep.slope_col = e.col_slope ? slope_col.data() : nullptr;
  ep.residual_scale = e.residual_scale;
  ep.min = e.min;
  ep.max = e.max;
  ep.accumulate = accumulate;
  ep.last = e.last;
  return ep;
}

// One call of kernel and model on identical inputs; the failure names the side.
// Past NR columns (IGEMM kernels) the B panels are apart by more than a
// panel, with NaN between them, so that a kernel stepping wrongly differs.
::testing::AssertionResult compare(const KernelUnderTest& k, size_t mr, size_t nr, size_t kc, size_t taps,
                                   bool accumulate, const Epilogue& e, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const size_t tiles = (nr + k.nr - 1) / k.nr, panel = kc * k.nr, w_stride = tiles > 1 ? panel + k.nr : panel;
  std::vector<float> a(kc * k.mr), b((tiles - 1) * w_stride + panel), bias_row(k.mr), bias_col(tiles * k.nr),
      slope_row(k.mr), slope_col(tiles * k.nr);
  for (float& x : a) x = dist(rng);
  if (taps > 1) {  // some row-taps are padding: zeros, read from the shared zero row
    for (size_t t = 0; t < taps; t += 2) {
      const size_t i = (t / 2) % k.mr;
      for (size_t u = 0; u < kc / taps; ++u) a[(t * (kc / taps) + u) * k.mr + i] = 0.0f;
    }
  }
  const Caller call(k, a, kc, taps);
  for (float& x : b) x = dist(rng);
  for (size_t t = 1; t < tiles; ++t) std::fill_n(b.begin() + static_cast<long>(t * w_stride - k.nr), k.nr, NAN);
  for (float& x : bias_row) x = dist(rng);
  for (float& x : bias_col) x = dist(rng);
  for (float& x : slope_row) x = dist(rng);
  for (float& x : slope_col) x = dist(rng);
  const size_t ldc = std::max(nr, k.nr) + 3, guard = 32;
  const size_t span = (mr - 1) * ldc + nr;  // first to last valid element of C
  const bool in_place = e.residual == Residual::kInPlace;
  std::vector<float> c_kernel(guard + span + guard, bits_to_float(kGuardBits));
  for (size_t i = 0; i < mr; ++i) {
    for (size_t j = 0; j < nr; ++j) c_kernel[guard + i * ldc + j] = accumulate || in_place ? dist(rng) : NAN;
  }
  std::vector<float> c_model = c_kernel;
  // A separate residual spans exactly its valid elements (ldr != ldc), so
  // that the sanitizer build catches a read past them.
  const size_t ldr = ldc + 2;
  std::vector<float> residual((mr - 1) * ldr + nr);
  for (float& x : residual) x = dist(rng);
  xconv_epilogue ep = make_epilogue(e, accumulate, bias_row, bias_col, slope_row, slope_col);
  xconv_epilogue ep_model = ep;
  if (e.residual == Residual::kSeparate) {
    ep.residual = ep_model.residual = residual.data();
    ep.ldr = ep_model.ldr = ldr;
  } else if (in_place) {  // each side's residual is its own C
    ep.residual = c_kernel.data() + guard;
    ep_model.residual = c_model.data() + guard;
    ep.ldr = ep_model.ldr = ldc;
  }
  call.kernel(mr, nr, a.data(), b.data(), w_stride, c_kernel.data() + guard, ldc, &ep);
  call.model(mr, nr, a.data(), b.data(), w_stride, c_model.data() + guard, ldc, &ep_model);

  auto where = [&](const char* side) {
    return ::testing::AssertionFailure() << k.name << " mr=" << mr << " nr=" << nr << " kc=" << kc
                                         << " taps=" << taps
                                         << " accumulate=" << accumulate << " (" << e.what << "): " << side;
  };
  for (size_t i = 0; i < c_kernel.size(); ++i) {
    const bool valid = i >= guard && i < guard + span && (i - guard) % ldc < nr;
    uint32_t got, want;
    std::memcpy(&got, &c_kernel[i], 4);
    std::memcpy(&want, &c_model[i], 4);
    if (!valid && got != kGuardBits) {
      return where(i < guard ? "overwrite before C" : i >= guard + span ? "overwrite after C"
                                                                       : "overwrite between C rows")
             << " at " << static_cast<long>(i) - static_cast<long>(guard);
    }
    if (valid && got != want) {
      return where("differs from the scalar model") << " at row " << (i - guard) / ldc << " col "
                                                    << (i - guard) % ldc << ": " << c_kernel[i]
                                                    << " vs " << c_model[i];
    }
  }
  return ::testing::AssertionSuccess();
}

class EveryKernel : public ::testing::TestWithParam<KernelUnderTest> {};

TEST_P(EveryKernel, BitExactAgainstScalarModel) {
  const KernelUnderTest& k = GetParam();
  if (!runnable(k)) GTEST_SKIP() << k.name << ": this CPU cannot run " << xconv_isa_name(k.isa);
  if (sampled_out(k)) GTEST_SKIP() << k.name << ": a tuning variant, swept natively and through SIMDe";
  const bool quick = std::getenv("XCONV_TEST_QUICK") != nullptr;
  std::mt19937_64 rng(base_seed() ^ std::hash<std::string>{}(k.name));
  const std::vector<size_t> depths = quick ? std::vector<size_t>{1, 3, 4, 9}
                                           : std::vector<size_t>{1, 2, 3, 4, 5, 7, 8, 9, 31, 256};
  // Every width of one tile; an IGEMM kernel also a row of tiles, whole
  // and with a short last one (ukernel.h).
  std::vector<size_t> widths;
  for (size_t nr = 1; nr <= k.nr; ++nr) {
    if (!quick || nr == 1 || nr == k.nr || nr % 7 == 0) widths.push_back(nr);
  }
  if (k.igemm_kernel != nullptr) {
    widths.push_back(2 * k.nr + k.nr / 2 + 1);
    if (!quick) widths.insert(widths.end(), {k.nr + 1, 3 * k.nr});
  }
  int failures = 0;
  for (size_t mr = 1; mr <= k.mr; ++mr) {
    for (size_t nr : widths) {
      for (size_t kc : depths) {
        for (size_t taps : tap_splits(k, kc)) {
          for (bool accumulate : {false, true}) {
            for (const Epilogue& e : kEpilogues) {
              if (accumulate && e.residual != Residual::kNone) continue;  // C's sums, not the residual, start
              const ::testing::AssertionResult r = compare(k, mr, nr, kc, taps, accumulate, e, rng);
              EXPECT_TRUE(r);
              if (!r && ++failures == 5) return;
            }
          }
        }
      }
    }
  }
}

// NaN and infinity reach the output as they would in the model: a kernel may
// not drop a NaN in its clamp or turn inf - inf into anything but NaN.
TEST_P(EveryKernel, NonFiniteValuesPropagateLikeTheModel) {
  const KernelUnderTest& k = GetParam();
  if (!runnable(k)) GTEST_SKIP() << k.name << ": this CPU cannot run " << xconv_isa_name(k.isa);
  if (sampled_out(k)) GTEST_SKIP() << k.name << ": a tuning variant, swept natively and through SIMDe";
  const size_t kc = 5, ldc = k.nr;
  for (float special : {NAN, INFINITY, -INFINITY}) {
    std::vector<float> a(kc * k.mr, 0.5f), b(kc * k.nr, 0.25f);
    a[2 * k.mr + 0] = special;  // row 0 at k = 2
    b[3 * k.nr + k.nr - 1] = special;  // last column at k = 3
    for (const Epilogue& e : kEpilogues) {
      std::vector<float> got(k.mr * ldc), want(k.mr * ldc);
      std::vector<float> bias_row(k.mr, 1.0f), bias_col(k.nr, 1.0f), slope_row(k.mr, 0.5f), slope_col(k.nr, 0.5f);
      if (e.residual != Residual::kNone) continue;  // the sweep above covers residuals
      const xconv_epilogue ep = make_epilogue(e, false, bias_row, bias_col, slope_row, slope_col);
      const Caller call(k, a, kc, 1);
      call.kernel(k.mr, k.nr, a.data(), b.data(), b.size(), got.data(), ldc, &ep);
      call.model(k.mr, k.nr, a.data(), b.data(), b.size(), want.data(), ldc, &ep);
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_TRUE(std::isnan(got[i]) ? std::isnan(want[i]) : got[i] == want[i])
            << k.name << " " << e.what << " special " << special << " at " << i << ": " << got[i] << " vs "
            << want[i];
      }
    }
  }
}

std::string kernel_test_name(const ::testing::TestParamInfo<KernelUnderTest>& info) {
  return std::string(info.param.name).substr(std::strlen("xconv_f32_"));
}

INSTANTIATE_TEST_SUITE_P(Kernels, EveryKernel, ::testing::ValuesIn(kKernels), kernel_test_name);

}  // namespace
}  // namespace xconv::test
