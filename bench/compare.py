#!/usr/bin/env python3
"""Table of the layer suite from one bench_conv run: the median GFLOP/s of
each implementation and xconv's ratio to each peer on the same layer, in the
same run, plus the geometric mean of each ratio.

  build/bench/bench_conv --benchmark_repetitions=5 --benchmark_out=conv.json
  python3 bench/compare.py conv.json
"""

import json
import math
import sys

PEERS = ["onednn", "onednn_nchw", "openblas"]


def main():
    with open(sys.argv[1]) as f:
        run = json.load(f)
    median = {}
    for b in run["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        _, layer, impl = b["run_name"].split("/")[:3]
        median[(layer, impl)] = b.get("GFLOP/s", 0.0) / 1e9 if b.get("GFLOP/s", 0) > 1e6 else b.get("GFLOP/s", 0.0)
    layers = list(dict.fromkeys(layer for layer, _ in median))
    print("threads %s; median GFLOP/s; ratio = xconv / peer (>1: xconv faster)" %
          run["benchmarks"][0].get("threads", "?"))
    print("%-28s %8s %8s %8s %8s | %7s %7s %7s" % ("layer", "xconv", *PEERS, *("vs " + p[:5] for p in PEERS)))
    logs = {p: [] for p in PEERS}
    for layer in layers:
        x = median.get((layer, "xconv"), 0.0)
        row = [median.get((layer, p), 0.0) for p in PEERS]
        ratios = []
        for p, v in zip(PEERS, row):
            if x > 0 and v > 0:
                ratios.append("%7.2f" % (x / v))
                logs[p].append(math.log(x / v))
            else:
                ratios.append("%7s" % "-")
        print("%-28s %8.1f %8.1f %8.1f %8.1f | %s" % (layer, x, *row, " ".join(ratios)))
    print("%-28s %8s %8s %8s %8s | %s" % ("geometric mean", "", "", "", "", " ".join(
        "%7.2f" % math.exp(sum(v) / len(v)) if v else "%7s" % "-" for v in logs.values())))


if __name__ == "__main__":
    main()
