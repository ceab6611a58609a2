#!/usr/bin/env python3
"""No full im2col: a 1x64x224x224 conv with 64 filters of 3x3 (vgg16_conv1_2)
must peak below input + output + weights + 8 MiB of memory, the process's own
overhead included. Runs the demo on that layer without the reference and
reads the child's peak RSS.  Usage: check_peak_memory.py XCONV_DEMO LAYERS"""

import resource
import subprocess
import sys

demo, layers = sys.argv[1], sys.argv[2]
floats = 2 * 64 * 224 * 224 + 64 * 64 * 3 * 3  # input + output + weights
limit_kib = floats * 4 // 1024 + 8 * 1024
subprocess.run([demo, "--layers", layers, "--layer", "vgg16_conv1_2", "--no-check", "--reps", "1"],
               check=True, stdout=subprocess.DEVNULL)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("peak RSS %d KiB, limit %d KiB (tensors + 8 MiB)" % (peak_kib, limit_kib))
sys.exit(0 if peak_kib < limit_kib else 1)
