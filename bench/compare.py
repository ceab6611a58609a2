#!/usr/bin/env python3
"""Tables of one or more bench_conv runs: per layer, the median GFLOP/s of
every implementation, xconv against each peer in the same layout, best
against best (xconv's faster layout against oneDNN's fastest), xconv's best
as a percentage of the FMA peak measured in the same run (the median of
bench_conv's `peak/fma` runs, shuffled among the layers'; or, where the run
left it out, the peak measured once before it), and the geometric mean of
every ratio. A result outside the error bound is flagged WRONG and
left out of the means.

  build/bench/bench_conv --threads=1 --benchmark_repetitions=5 --benchmark_out=t1.json
  python3 bench/compare.py t1.json [t2.json ...] [--markdown] [--layers=NAME,NAME,...]

--layers limits the geometric means (and the rows) to the named layers,
e.g. the original suite's.
"""

import json
import math
import sys

IMPLS = ["xconv_nchw", "xconv_nhwc", "onednn_any", "onednn_nchw", "onednn_nhwc", "xnnpack_nhwc", "openblas_nchw"]
SHORT = {"xconv_nchw": "x.nchw", "xconv_nhwc": "x.nhwc", "onednn_any": "d.any", "onednn_nchw": "d.nchw",
         "onednn_nhwc": "d.nhwc", "xnnpack_nhwc": "xnn", "openblas_nchw": "blas"}
# (title, numerator implementations, denominator implementations): best of each side.
RATIOS = [
    ("best/best", ["xconv_nchw", "xconv_nhwc"], ["onednn_any", "onednn_nchw", "onednn_nhwc"]),
    ("nchw/d.nchw", ["xconv_nchw"], ["onednn_nchw"]),
    ("nhwc/d.nhwc", ["xconv_nhwc"], ["onednn_nhwc"]),
    ("nhwc/xnn", ["xconv_nhwc"], ["xnnpack_nhwc"]),
    ("best/xnn", ["xconv_nchw", "xconv_nhwc"], ["xnnpack_nhwc"]),
]


def gflops(b):
    value = b.get("GFLOP/s", 0.0)
    return value / 1e9 if value > 1e6 else value  # older benchmark versions report the rate in flop/s


def load(path):
    with open(path) as f:
        run = json.load(f)
    median, wrong, threads, peak = {}, set(), "?", 0.0
    # Registration order (the layer file's), also when the repetitions ran
    # shuffled (--benchmark_enable_random_interleaving) and were reported
    # in another order; the median aggregate wins over single repetitions.
    ordered = sorted(run["benchmarks"], key=lambda b: (b.get("family_index", 0), b.get("run_type") == "aggregate"))
    for b in ordered:
        if b.get("error_occurred"):
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b["run_name"].startswith("peak/"):
            peak = gflops(b)
            continue
        _, layer, impl = b["run_name"].split("/")[:3]
        median[(layer, impl)] = gflops(b)
        if b.get("wrong", 0) > 0:
            wrong.add((layer, impl))
        threads = int(b.get("threads", 0)) or threads
    source = "median among the layers"
    if not peak:
        peak, source = float(run.get("context", {}).get("fma_peak_gflops", 0) or 0), "measured before the run"
    return median, wrong, threads, (peak, source), run.get("context", {})


def table(path, markdown, only):
    median, wrong, threads, (peak, source), context = load(path)
    layers = [layer for layer in dict.fromkeys(layer for layer, _ in median) if not only or layer in only]
    heads = ["layer"] + [SHORT[i] for i in IMPLS] + [r[0] for r in RATIOS] + ["%peak"]
    rows, logs = [], {r[0]: [] for r in RATIOS}
    for layer in layers:
        value = {i: median.get((layer, i), 0.0) for i in IMPLS}
        flags = [i for i in IMPLS if (layer, i) in wrong]
        row = [layer + (" WRONG:" + ",".join(SHORT[i] for i in flags) if flags else "")]
        row += ["%.1f" % value[i] if value[i] else "-" for i in IMPLS]
        for title, num, den in RATIOS:
            top = max((value[i] for i in num if (layer, i) not in wrong), default=0.0)
            bottom = max((value[i] for i in den if (layer, i) not in wrong), default=0.0)
            if top > 0 and bottom > 0:
                row.append("%.2f" % (top / bottom))
                logs[title].append(math.log(top / bottom))
            else:
                row.append("-")
        best = max(value["xconv_nchw"], value["xconv_nhwc"])
        row.append("%.0f" % (100 * best / peak) if peak and best else "-")
        rows.append(row)
    mean = ["geometric mean (%d layers)" % len(layers)] + [""] * len(IMPLS)
    mean += ["%.2f" % math.exp(sum(v) / len(v)) if v else "-" for v in logs.values()] + [""]
    rows.append(mean)
    print("%s: threads %s, xconv ISA %s, FMA peak %.1f GFLOP/s (same run, %s), median GFLOP/s; ratio > 1: xconv faster"
          % (path, threads, context.get("xconv_isa", "?"), peak, source))
    if markdown:
        print("| " + " | ".join(heads) + " |")
        print("|" + "---|" * len(heads))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(r[c])) for r in rows + [heads]) for c in range(len(heads))]
        for row in [heads] + rows:
            print("  ".join(str(cell).rjust(w) if c else str(cell).ljust(w) for c, (cell, w) in
                            enumerate(zip(row, widths))))
    print()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    markdown = "--markdown" in sys.argv
    only = set()
    for a in sys.argv[1:]:
        if a.startswith("--layers="):
            only = set(a[len("--layers="):].split(","))
    if not args:
        print(__doc__)
        return 2
    for path in args:
        table(path, markdown, only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
