#include "kernels/paths/packed_gemm.h"

#include <algorithm>

#include "kernels/paths/gemm_tasks.h"

namespace xconv {
namespace {

// What a task's tile loops step through, read from the plan once: a kernel
// call may write any memory as far as the compiler knows, so it reloads
// the plan's fields after every call otherwise (as indirect_gemm.cc says;
// here 1.01-1.06x on the short-reduction NCHW 1x1 layers).
struct TileSources {
  xconv_ukernel_fn gemm;
  const float* bias;    // the group's, or NULL
  const float* slopes;  // the group's, or NULL
  RunTensors run;       // a copy, which no call can change

  TileSources(const xconv_plan& p, const TaskRange& t, const RunTensors& r)
      : gemm(p.choice.kernel->gemm), bias(bias_for(p, t.g, 0)), slopes(slope_for(p, t.g, 0)), run(r) {}
  const float* bias_at(size_t o) const { return bias ? bias + o : nullptr; }
  const float* slopes_at(size_t o) const { return slopes ? slopes + o : nullptr; }
};

// NCHW: C[out channel][pixel] += W[out channel][k] * im2col[k][pixel].
void gemm_weights_a(const xconv_plan& p, const TaskRange& t, const RunTensors& run, const float* image,
                    float* out, float* scratch) {
  const ConvShape& s = p.shape;
  const size_t K = static_cast<size_t>(s.gemm_k), MR = p.choice.kernel->mr, NR = p.choice.kernel->nr;
  const size_t ldc = static_cast<size_t>(s.out.stride);  // channel planes of the output
  const float* group_image = image + t.g * s.group_in * s.in.stride;
  float* group_out = out + static_cast<size_t>(t.g * s.group_out) * ldc;
  xconv_epilogue ep = task_epilogue(p);
  ep.ldr = ldc;
  const TileSources from(p, t, run);

  for (size_t jc = t.pixel_begin; jc < t.pixel_end; jc += p.nc) {
    const size_t nc = std::min(p.nc, t.pixel_end - jc);
    for (size_t pc = 0; pc < K; pc += p.kc) {
      const size_t kcb = std::min(p.kc, K - pc);
      p.choice.packers->columns_nchw(s, group_image, jc, nc, pc, kcb, NR, scratch);
      ep.accumulate = pc > 0;
      ep.last = pc + kcb == K;
      const float* panels = weight_panel(p, t.g, pc, 0);
      const size_t panel_depth = p.packed->layout.block_depth(pc);  // floats per output channel
      for (size_t ic = t.out_begin; ic < t.out_end; ic += p.mc) {
        const size_t ic_end = std::min(t.out_end, ic + p.mc);
        for (size_t jr = 0; jr < nc; jr += NR) {
          const size_t cols = std::min(NR, nc - jr);
          for (size_t ir = ic; ir < ic_end; ir += MR) {
            float* c = group_out + ir * ldc + jc + jr;
            ep.bias_row = from.bias_at(ir);
            ep.slope_row = from.slopes_at(ir);
            ep.residual = residual_at(from.run, c);
            from.gemm(std::min(MR, ic_end - ir), cols, kcb, panels + ir * panel_depth, scratch + jr * kcb, c, ldc,
                      &ep);
          }
        }
      }
    }
  }
}

// NHWC: C[pixel][out channel] += im2col[pixel][k] * W^T[k][out channel].
void gemm_weights_b(const xconv_plan& p, const TaskRange& t, const RunTensors& run, const float* image,
                    float* out, float* scratch) {
  const ConvShape& s = p.shape;
  const size_t K = static_cast<size_t>(s.gemm_k), MR = p.choice.kernel->mr, NR = p.choice.kernel->nr;
  const size_t ldc = static_cast<size_t>(s.out.stride);  // pixels of the output
  float* group_out = out + t.g * s.group_out;
  xconv_epilogue ep = task_epilogue(p);
  ep.ldr = ldc;
  const TileSources from(p, t, run);

  for (size_t ic = t.pixel_begin; ic < t.pixel_end; ic += p.mc) {
    const size_t mc = std::min(p.mc, t.pixel_end - ic);
    for (size_t pc = 0; pc < K; pc += p.kc) {
      const size_t kcb = std::min(p.kc, K - pc);
      p.choice.packers->rows_nhwc(s, image, t.g, ic, mc, pc, kcb, MR, scratch);
      ep.accumulate = pc > 0;
      ep.last = pc + kcb == K;
      const float* panels = weight_panel(p, t.g, pc, 0);
      const size_t panel_depth = p.packed->layout.block_depth(pc);  // floats per output channel
      for (size_t jc = t.out_begin; jc < t.out_end; jc += p.nc) {
        const size_t jc_end = std::min(t.out_end, jc + p.nc);
        for (size_t jr = jc; jr < jc_end; jr += NR) {
          ep.bias_col = from.bias_at(jr);
          ep.slope_col = from.slopes_at(jr);
          const float* b = panels + jr * panel_depth;
          const size_t cols = std::min(NR, jc_end - jr);
          for (size_t ir = 0; ir < mc; ir += MR) {
            float* c = group_out + (ic + ir) * ldc + jr;
            ep.residual = residual_at(from.run, c);
            from.gemm(std::min(MR, mc - ir), cols, kcb, scratch + ir * kcb, b, c, ldc, &ep);
          }
        }
      }
    }
  }
}

}  // namespace

void packed_gemm_task(const xconv_plan& p, const RunExtent& e, const RunTensors& run, float* scratch, size_t task) {
  const TaskRange t = decompose_task(p, e, task);
  const ConvShape& s = p.shape;
  const float* image = run.input + t.n * s.in.image_stride;
  float* out = run.output + t.n * s.out.image_stride;
  if (p.weights_are_a) {
    gemm_weights_a(p, t, run, image, out, scratch);
  } else {
    gemm_weights_b(p, t, run, image, out, scratch);
  }
}

}  // namespace xconv
