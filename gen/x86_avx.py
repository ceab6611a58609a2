"""x86 template, AVX2+FMA and AVX-512F: broadcast A, load B rows.

Per k step: NR/W vector loads of the B row, then for each of the MR rows one
broadcast of a[k][i] and NR/W FMAs into that row's accumulators. Column tails
(nr < NR) use masked loads and stores (AVX2 vmaskmov, AVX-512 k-masks); rows
past mr alias the row above and rows are stored last to first, so a partial
tile touches only its valid rows.
"""

from common import header, lanes, signature

ISA = {
    "avx2": dict(width=8, vec="__m256", p="_mm256", include="<immintrin.h>", title="AVX2+FMA"),
    "avx512": dict(width=16, vec="__m512", p="_mm512", include='"kernels/avx512/intrinsics.h"',
                   title="AVX-512F"),
}


def generate(k, name):
    cfg = ISA[k.isa]
    W, T, P = cfg["width"], cfg["vec"], cfg["p"]
    MR, NR, V = k.mr, k.nr, k.nr // cfg["width"]
    assert NR % W == 0, name
    avx512 = k.isa == "avx512"
    acc = lambda i, v: "vacc%dx%s" % (i, lanes(v * W, W))
    vb = lambda v: "vb%s" % lanes(v * W, W)
    mask = lambda v: "vmask%s" % lanes(v * W, W)
    all_acc = [(i, v) for i in range(MR) for v in range(V)]

    out = header("x86_avx.py", "%s %dx%d micro-kernel: broadcast A, load B rows, k unrolled %dx%s."
                 % (cfg["title"], MR, NR, k.unroll,
                    ", B prefetched %d floats ahead" % k.prefetch if k.prefetch else ""))
    out += ["", "#include %s" % cfg["include"], "", '#include "kernels/generated/kernels.h"', ""]
    if avx512:
        out += ["// Mask of the valid lanes of the 16 columns starting at `first`.",
                "static __mmask16 column_mask(size_t nr, size_t first) {",
                "  if (nr <= first) return 0;",
                "  return nr - first >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (nr - first)) - 1);",
                "}", ""]
    out.append(signature(name) + " {")
    out.append("  float* c0 = c;")
    for i in range(1, MR):
        out.append("  float* c%d = mr > %d ? c%d + ldc : c%d;" % (i, i, i - 1, i - 1))
    if avx512:
        for v in range(V):
            out.append("  const __mmask16 %s = column_mask(nr, %d);" % (mask(v), v * W))
    else:
        out.append("  const __m256i vlane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);")
        for v in range(V):
            out.append("  const __m256i %s = _mm256_cmpgt_epi32(_mm256_set1_epi32((int) nr - %d), vlane);"
                       % (mask(v), v * W))
    out.append("")
    for i, v in all_acc:
        out.append("  %s %s = %s_setzero_ps();" % (T, acc(i, v), P))
    load_masked = (lambda i, v: "_mm512_maskz_loadu_ps(%s, c%d + %d)" % (mask(v), i, v * W)) if avx512 \
        else (lambda i, v: "_mm256_maskload_ps(c%d + %d, %s)" % (i, v * W, mask(v)))
    out += ["  if (ep->accumulate) {", "    if (nr == %d) {" % NR]
    out += ["      %s = %s_loadu_ps(c%d + %d);" % (acc(i, v), P, i, v * W) for i, v in all_acc]
    out += ["    } else {"]
    out += ["      %s = %s;" % (acc(i, v), load_masked(i, v)) for i, v in all_acc]
    out += ["    }", "  }", ""]

    def step(u, indent):
        lines = []
        for v in range(V):
            lines.append("const %s %s = %s_loadu_ps(b + %d);" % (T, vb(v), P, u * NR + v * W))
        for i in range(MR):
            lines.append("const %s va%d = %s_set1_ps(a[%d]);" % (T, i, P, u * MR + i))
            for v in range(V):
                lines.append("%s = %s_fmadd_ps(va%d, %s, %s);" % (acc(i, v), P, i, vb(v), acc(i, v)))
        return [indent + "{"] + [indent + "  " + l for l in lines] + [indent + "}"]

    out.append("  size_t k = kc;")
    if k.unroll > 1:
        out.append("  for (; k >= %d; k -= %d) {" % (k.unroll, k.unroll))
        if k.prefetch:
            out.append("    _mm_prefetch((const char*) (b + %d), _MM_HINT_T0);" % k.prefetch)
        for u in range(k.unroll):
            out += step(u, "    ")
        out += ["    a += %d;" % (MR * k.unroll), "    b += %d;" % (NR * k.unroll), "  }"]
    out.append("  for (; k != 0; --k) {")
    out += step(0, "    ")
    out += ["    a += %d;" % MR, "    b += %d;" % NR, "  }", ""]

    out += ["  if (ep->last) {", "    if (ep->bias_row) {"]
    for i in range(MR):
        out.append("      const %s vbias%d = %s_set1_ps(ep->bias_row[%d]);" % (T, i, P, i))
        out += ["      %s = %s_add_ps(%s, vbias%d);" % (acc(i, v), P, acc(i, v), i) for v in range(V)]
    out += ["    }", "    if (ep->bias_col) {"]
    for v in range(V):
        out.append("      const %s vbias%s = %s_loadu_ps(ep->bias_col + %d);" % (T, lanes(v * W, W), P, v * W))
        out += ["      %s = %s_add_ps(%s, vbias%s);" % (acc(i, v), P, acc(i, v), lanes(v * W, W))
                for i in range(MR)]
    out += ["    }",
            "    // max(min, y) then min(max, y): the accumulator is the second operand,",
            "    // which x86 returns when either is NaN, so NaN propagates.",
            "    const %s vmin = %s_set1_ps(ep->min);" % (T, P),
            "    const %s vmax = %s_set1_ps(ep->max);" % (T, P)]
    for i, v in all_acc:
        out.append("    %s = %s_min_ps(vmax, %s_max_ps(vmin, %s));" % (acc(i, v), P, P, acc(i, v)))
    out += ["  }", ""]

    store_masked = (lambda i, v: "_mm512_mask_storeu_ps(c%d + %d, %s, %s);" % (i, v * W, mask(v), acc(i, v))) \
        if avx512 else (lambda i, v: "_mm256_maskstore_ps(c%d + %d, %s, %s);" % (i, v * W, mask(v), acc(i, v)))
    rows_last_first = [(i, v) for i in reversed(range(MR)) for v in range(V)]
    out += ["  if (nr == %d) {" % NR]
    out += ["    %s_storeu_ps(c%d + %d, %s);" % (P, i, v * W, acc(i, v)) for i, v in rows_last_first]
    out += ["  } else {"]
    out += ["    " + store_masked(i, v) for i, v in rows_last_first]
    out += ["  }", "}", ""]
    return "\n".join(out)
