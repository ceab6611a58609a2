"""torchvision's ResNet-50 and MobileNetV2 end to end with xconv inside,
against PyTorch running the same BatchNorm-folded model in the same run.

  /usr/bin/python3 tools/torch/run_networks.py --build build --check
      batch 1, NCHW and channels-last, both networks: xconv's logits must
      match PyTorch's within the tolerance (a stage of scripts/test.sh)
  /usr/bin/python3 tools/torch/run_networks.py --build build
      the latency table: 1 and 2 threads, batch 1 and 8, both layouts
  /usr/bin/python3 tools/torch/run_networks.py --build build --plans
      ResNet-50's convolutions at batch 8: plan creation time and memory

Random weights (seeded), eval(), 224x224. The script runs itself with
glibc's malloc keeping freed memory (MALLOC_MMAP_THRESHOLD_ and friends, as
PyTorch's CPU performance guide advises a caching allocator): otherwise every
large tensor is fresh pages, and on this machine first-touch page faults
(about 10 us per 4 KiB page) take more time than the convolutions of a
batch-8 run, for PyTorch and xconv alike. Tolerance: the largest
|xconv - PyTorch| over the logits, divided by the largest |PyTorch| logit,
at most 1e-4 (float32 sums of up to 4608 products in either order).
"""
import argparse
import os
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


# Freed memory stays in the heap: no page faults per run after the first.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 32), "MALLOC_TRIM_THRESHOLD_": str(1 << 36),
              "MALLOC_TOP_PAD_": str(1 << 29)}


def main():
    if any(os.environ.get(k) != v for k, v in MALLOC_ENV.items()):
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **MALLOC_ENV})
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build", help="meson build directory holding kernels/libxconv.a")
    parser.add_argument("--check", action="store_true", help="batch-1 agreement only")
    parser.add_argument("--plans", action="store_true", help="plan creation time and memory, ResNet-50 batch 8")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print("building the extension (cached after the first time)...", flush=True)
    xconv_torch.load(args.build)
    passed = failed = 0
    if args.plans:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for channels_last in (False, True):
                folded, fast = models("resnet50", channels_last)
                fmt = torch.channels_last if channels_last else torch.contiguous_format
                with torch.no_grad():
                    fast(torch.randn(8, 3, 224, 224).to(memory_format=fmt))  # creates the plans
                stats = [m.op.stats() for m in fast.modules() if isinstance(m, xconv_torch.XconvConv2d)]
                ms, packed = sum(s[0] for s in stats), sum(s[1] for s in stats)
                workspace = max(s[2] for s in stats)
                weights = sum(m.weight.numel() * 4 for m in folded.modules() if isinstance(m, torch.nn.Conv2d))
                print("resnet50 batch 8 %s, %d thread(s): %d plans created in %.1f ms; packed weights and bias "
                      "%.1f MiB (the convolutions' weights: %.1f MiB); workspace %.2f MiB "
                      "(the largest run's, all its threads; reused across plans)" % (
                          "channels-last" if channels_last else "NCHW", threads, len(stats), ms, packed / 2**20,
                          weights / 2**20, workspace / 2**20), flush=True)
        return 0
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
