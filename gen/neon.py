"""NEON (AArch64) template: lane-indexed FMA.

Per k step: the MR values of A are loaded as vectors (4 rows per q register,
then 2 per d register, then 1), the B row as NR/4 q registers, and every
accumulator takes one vfmaq_lane(q)_f32 against its row's lane. NEON has no
masked stores, so column tails (nr < NR) go through a row on the stack.
"""

from common import header, lanes, signature


def a_chunks(mr):
    """Splits the MR rows into (first row, width) loads: 4s, then a 2, then a 1."""
    chunks = [(i, 4) for i in range(0, mr - mr % 4, 4)]
    first = mr - mr % 4
    if mr % 4 >= 2:
        chunks.append((first, 2))
        first += 2
    if mr % 2 == 1:
        chunks.append((first, 1))
    return chunks


def generate(k, name):
    MR, NR, V = k.mr, k.nr, k.nr // 4
    assert NR % 4 == 0, name
    acc = lambda i, v: "vacc%dx%s" % (i, lanes(4 * v, 4))
    vb = lambda v: "vb%s" % lanes(4 * v, 4)
    all_acc = [(i, v) for i in range(MR) for v in range(V)]
    chunks = a_chunks(MR)

    out = header("neon.py", "NEON %dx%d micro-kernel: lane-indexed FMA, k unrolled %dx." % (MR, NR, k.unroll))
    out += ["", "#include <arm_neon.h>", "#include <string.h>", "",
            '#include "kernels/generated/kernels.h"', ""]
    out.append(signature(name) + " {")
    out.append("  float* c0 = c;")
    for i in range(1, MR):
        out.append("  float* c%d = mr > %d ? c%d + ldc : c%d;" % (i, i, i - 1, i - 1))
    out.append("")
    for i, v in all_acc:
        out.append("  float32x4_t %s = vdupq_n_f32(0.0f);" % acc(i, v))
    out += ["  if (ep->accumulate) {", "    if (nr == %d) {" % NR]
    out += ["      %s = vld1q_f32(c%d + %d);" % (acc(i, v), i, 4 * v) for i, v in all_acc]
    out += ["    } else {", "      float row[%d];" % NR]
    for i in range(MR):
        out.append("      memset(row, 0, sizeof(row));")
        out.append("      memcpy(row, c%d, nr * sizeof(float));" % i)
        out += ["      %s = vld1q_f32(row + %d);" % (acc(i, v), 4 * v) for v in range(V)]
    out += ["    }", "  }", ""]

    def step(u, indent):
        lines = []
        for first, width in chunks:
            off = u * MR + first
            if width == 4:
                lines.append("const float32x4_t va%d = vld1q_f32(a + %d);" % (first, off))
            elif width == 2:
                lines.append("const float32x2_t va%d = vld1_f32(a + %d);" % (first, off))
            else:
                lines.append("const float32x2_t va%d = vld1_dup_f32(a + %d);" % (first, off))
        for v in range(V):
            lines.append("const float32x4_t %s = vld1q_f32(b + %d);" % (vb(v), u * NR + 4 * v))
        for first, width in chunks:
            fma = "vfmaq_laneq_f32" if width == 4 else "vfmaq_lane_f32"
            for lane in range(width):
                for v in range(V):
                    i = first + lane
                    lines.append("%s = %s(%s, %s, va%d, %d);" % (acc(i, v), fma, acc(i, v), vb(v), first, lane))
        return [indent + "{"] + [indent + "  " + l for l in lines] + [indent + "}"]

    out.append("  size_t k = kc;")
    if k.unroll > 1:
        out.append("  for (; k >= %d; k -= %d) {" % (k.unroll, k.unroll))
        for u in range(k.unroll):
            out += step(u, "    ")
        out += ["    a += %d;" % (MR * k.unroll), "    b += %d;" % (NR * k.unroll), "  }"]
    out.append("  for (; k != 0; --k) {")
    out += step(0, "    ")
    out += ["    a += %d;" % MR, "    b += %d;" % NR, "  }", ""]

    out += ["  if (ep->last) {", "    if (ep->bias_row) {"]
    for i in range(MR):
        out.append("      const float32x4_t vbias%d = vld1q_dup_f32(ep->bias_row + %d);" % (i, i))
        out += ["      %s = vaddq_f32(%s, vbias%d);" % (acc(i, v), acc(i, v), i) for v in range(V)]
    out += ["    }", "    if (ep->bias_col) {"]
    for v in range(V):
        out.append("      const float32x4_t vbias%s = vld1q_f32(ep->bias_col + %d);" % (lanes(4 * v, 4), 4 * v))
        out += ["      %s = vaddq_f32(%s, vbias%s);" % (acc(i, v), acc(i, v), lanes(4 * v, 4)) for i in range(MR)]
    out += ["    }",
            "    // NEON max/min return NaN when either input is NaN: NaN propagates.",
            "    const float32x4_t vmin = vdupq_n_f32(ep->min);",
            "    const float32x4_t vmax = vdupq_n_f32(ep->max);"]
    for i, v in all_acc:
        out.append("    %s = vminq_f32(vmax, vmaxq_f32(vmin, %s));" % (acc(i, v), acc(i, v)))
    out += ["  }", ""]

    out += ["  if (nr == %d) {" % NR]
    out += ["    vst1q_f32(c%d + %d, %s);" % (i, 4 * v, acc(i, v)) for i in reversed(range(MR)) for v in range(V)]
    out += ["  } else {", "    float row[%d];" % NR]
    for i in reversed(range(MR)):
        out += ["    vst1q_f32(row + %d, %s);" % (4 * v, acc(i, v)) for v in range(V)]
        out.append("    memcpy(c%d, row, nr * sizeof(float));" % i)
    out += ["  }", "}", ""]
    return "\n".join(out)
