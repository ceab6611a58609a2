// The AVX-512 intrinsics the generated kernels use that SIMDe 0.7.4 does not
// provide: the masked loads and stores, written element by element so that
// masked-off lanes are never read or written (an emulated kernel must not
// over-read either), and the in-lane permute of the shuffle-load variants.
// Test builds only (XCONV_AVX512_VIA_SIMDE).
#ifndef XCONV_KERNELS_UKERNELS_X86_SIMDE_SHIM_H_
#define XCONV_KERNELS_UKERNELS_X86_SIMDE_SHIM_H_

static inline simde__m512 xconv_shim_mm512_maskz_loadu_ps(simde__mmask16 mask, const void* from) {
  const float* src = (const float*) from;
  float lanes[16] = {0};
  for (int i = 0; i < 16; ++i) {
    if ((mask >> i) & 1) lanes[i] = src[i];
  }
  return simde_mm512_loadu_ps(lanes);
}

static inline void xconv_shim_mm512_mask_storeu_ps(void* to, simde__mmask16 mask, simde__m512 v) {
  float* dst = (float*) to;
  float lanes[16];
  simde_mm512_storeu_ps(lanes, v);
  for (int i = 0; i < 16; ++i) {
    if ((mask >> i) & 1) dst[i] = lanes[i];
  }
}

#undef _mm512_maskz_loadu_ps
#define _mm512_maskz_loadu_ps(mask, from) xconv_shim_mm512_maskz_loadu_ps(mask, from)
#undef _mm512_mask_storeu_ps
#define _mm512_mask_storeu_ps(to, mask, v) xconv_shim_mm512_mask_storeu_ps(to, mask, v)

// vpermilps with an immediate picks within each 128-bit lane, as a shuffle
// of a vector with itself does.
#undef _mm512_permute_ps
#define _mm512_permute_ps(v, imm) simde_mm512_shuffle_ps(v, v, imm)

#endif  // XCONV_KERNELS_UKERNELS_X86_SIMDE_SHIM_H_
