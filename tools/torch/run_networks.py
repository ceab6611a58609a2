"""torchvision's ResNet-50 and MobileNetV2 end to end with xconv inside,
against PyTorch running the same BatchNorm-folded model in the same run.

  /usr/bin/python3 tools/torch/run_networks.py --build build --check
      batch 1, NCHW and channels-last, both networks: xconv's logits must
      match PyTorch's within the tolerance (a stage of scripts/test.sh)
  /usr/bin/python3 tools/torch/run_networks.py --build build
      the latency table: 1 and 2 threads, batch 1 and 8, both layouts

Random weights (seeded), eval(), 224x224. Tolerance: the largest
|xconv - PyTorch| over the logits, divided by the largest |PyTorch| logit,
at most 1e-4 (float32 sums of up to 4608 products in either order).
"""
import argparse
import statistics
import sys
import time

import torch
import torchvision
from torch.fx.experimental.optimization import fuse

import xconv_torch

TOLERANCE = 1e-4
NETWORKS = {"resnet50": torchvision.models.resnet50, "mobilenet_v2": torchvision.models.mobilenet_v2}


def models(name, channels_last):
    torch.manual_seed(0)
    model = NETWORKS[name]().eval()
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    folded = fuse(model).to(memory_format=fmt)
    fast = xconv_torch.swap_convolutions(fuse(model)).to(memory_format=fmt)
    return folded, fast


def latency_ms(model, x, runs):
    with torch.no_grad():
        for _ in range(2):
            model(x)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(x)
            times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def compare(folded, fast, x):
    with torch.no_grad():
        want, got = folded(x), fast(x)
    return ((want - got).abs().max() / want.abs().max()).item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build", help="meson build directory holding kernels/libxconv.a")
    parser.add_argument("--check", action="store_true", help="batch-1 agreement only")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print("building the extension (cached after the first time)...", flush=True)
    xconv_torch.load(args.build)
    passed = failed = 0
    if args.check:
        torch.set_num_threads(2)
        for name in NETWORKS:
            for channels_last in (False, True):
                folded, fast = models(name, channels_last)
                fmt = torch.channels_last if channels_last else torch.contiguous_format
                x = torch.randn(1, 3, 224, 224).to(memory_format=fmt)
                error = compare(folded, fast, x)
                ok = error <= TOLERANCE
                passed, failed = passed + ok, failed + (not ok)
                print("%-13s %-13s %d convolutions through xconv: relative difference %.2e %s" % (
                    name, "channels-last" if channels_last else "NCHW", fast.xconv_convolutions, error,
                    "ok" if ok else "FAILED (tolerance %g)" % TOLERANCE), flush=True)
        print("torch-networks: %d passed, %d failed" % (passed, failed))
        return 1 if failed else 0

    print("| network | layout | batch | threads | PyTorch ms | xconv ms | speed-up | rel. diff |")
    print("|---|---|---|---|---|---|---|---|")
    for name in NETWORKS:
        for channels_last in (False, True):
            folded, fast = models(name, channels_last)
            fmt = torch.channels_last if channels_last else torch.contiguous_format
            for batch in (1, 8):
                x = torch.randn(batch, 3, 224, 224).to(memory_format=fmt)
                for threads in (1, 2):
                    torch.set_num_threads(threads)
                    error = compare(folded, fast, x)
                    runs = args.runs if batch == 1 else max(3, args.runs // 3)
                    # Interleaved, so that the machine's noise hits both alike.
                    pt, xc = [], []
                    for _ in range(3):
                        pt.append(latency_ms(folded, x, runs))
                        xc.append(latency_ms(fast, x, runs))
                    pt, xc = statistics.median(pt), statistics.median(xc)
                    print("| %s | %s | %d | %d | %.1f | %.1f | %.2fx | %.1e |" % (
                        name, "channels-last" if channels_last else "NCHW", batch, threads, pt, xc, pt / xc,
                        error), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
