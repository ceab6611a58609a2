#!/usr/bin/env python3
"""No full im2col, in either layout: a 1x64x224x224 conv with 64 filters of
3x3 (vgg16_conv1_2) must peak below input + output + weights + 8 MiB of
memory, the process's own overhead included, as NCHW (packed GEMM) and as
NHWC (indirect GEMM, whose pointers live in the per-thread workspace). Runs
the demo on that layer without the reference and reads each child's own
peak RSS (wait4).  Usage: check_peak_memory.py XCONV_DEMO LAYERS"""

import os
import subprocess
import sys

demo, layers = sys.argv[1], sys.argv[2]
floats = 2 * 64 * 224 * 224 + 64 * 64 * 3 * 3  # input + output + weights
limit_kib = floats * 4 // 1024 + 8 * 1024
failed = False
for layout in ([], ["--nhwc"]):
    child = subprocess.Popen([demo, "--layers", layers, "--layer", "vgg16_conv1_2", "--no-check", "--reps", "1"]
                             + layout, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    name = "NHWC" if layout else "NCHW"
    if child.returncode != 0:
        print("%s: the demo failed (exit %d)" % (name, child.returncode))
        failed = True
        continue
    peak_kib = usage.ru_maxrss
    print("%s: peak RSS %d KiB, limit %d KiB (tensors + 8 MiB)" % (name, peak_kib, limit_kib))
    failed = failed or peak_kib >= limit_kib
sys.exit(1 if failed else 0)
