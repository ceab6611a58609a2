#!/usr/bin/env python3
"""xconv-tune on ONNX models this test builds (python3-onnx): every Conv is
tuned and lands in the wisdom file with the descriptor ONNX defines, with
auto_pad SAME_UPPER and SAME_LOWER (odd total padding, so the sides differ),
explicit four-sided pads, VALID, groups, dilation, stride, and a symbolic
batch taken from --batch. The run also writes an SVG chart, which must be
well-formed XML with two bars per layer, and render (rsvg-convert, when
librsvg2-bin is installed).

  check_tune_onnx.py XCONV_TUNE

Exits 77 (skipped) when the onnx module is missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:
    print("python3-onnx is not installed: skipped")
    sys.exit(77)

BATCH = 3


def same_pads(mode, size, k, stride, dilation):
    """ONNX's SAME_*: output ceil(size / stride); the odd pixel at the end (UPPER) or the start (LOWER)."""
    out = -(-size // stride)
    total = max(0, (out - 1) * stride + (k - 1) * dilation + 1 - size)
    small, big = total // 2, total - total // 2
    return (small, big) if mode == "SAME_UPPER" else (big, small)


def out_size(size, k, stride, dilation, begin, end):
    return (size + begin + end - (k - 1) * dilation - 1) // stride + 1


def build_model(path):
    """Four Convs in a chain (with a Relu between), and the problems they must become."""
    layers = [  # name, out channels, kernel (h, w), stride, dilation, groups, padding
        ("same_upper", 8, (4, 4), (1, 1), (1, 1), 1, "SAME_UPPER"),
        ("same_lower", 8, (4, 2), (2, 2), (1, 1), 1, "SAME_LOWER"),
        ("grouped_dilated", 12, (3, 3), (1, 2), (2, 1), 4, [1, 2, 3, 0]),
        ("valid", 6, (2, 3), (1, 1), (1, 1), 1, "VALID"),
    ]
    c, h, w = 3, 9, 10
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", c, h, w])
    nodes, inits, expected = [], [], []
    current = "x"
    for i, (name, k, (r, s), (sh, sw), (dh, dw), g, pad) in enumerate(layers):
        weight = numpy_helper.from_array(np.ones((k, c // g, r, s), dtype=np.float32), name + "_w")
        inits.append(weight)
        attrs = dict(kernel_shape=[r, s], strides=[sh, sw], dilations=[dh, dw], group=g)
        if isinstance(pad, list):
            attrs["pads"] = [pad[0], pad[1], pad[2], pad[3]]  # top, left, bottom, right
            top, left, bottom, right = pad
        elif pad == "VALID":
            attrs["auto_pad"] = "VALID"
            top = left = bottom = right = 0
        else:
            attrs["auto_pad"] = pad
            top, bottom = same_pads(pad, h, r, sh, dh)
            left, right = same_pads(pad, w, s, sw, dw)
        nodes.append(helper.make_node("Conv", [current, weight.name], [name + "_y"], name=name, **attrs))
        expected.append((name, "n=%d c=%d h=%d w=%d k=%d r=%d s=%d stride=%dx%d dilation=%dx%d pad=%d,%d,%d,%d groups=%d"
                         % (BATCH, c, h, w, k, r, s, sh, sw, dh, dw, top, left, bottom, right, g)))
        oh, ow = out_size(h, r, sh, dh, top, bottom), out_size(w, s, sw, dw, left, right)
        nodes.append(helper.make_node("Relu", [name + "_y"], [name + "_r"]))
        current, c, h, w = name + "_r", k, oh, ow
    y = helper.make_tensor_value_info(current, TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, "xconv_tune_test", [x], [y], initializer=inits)
    onnx.save(helper.make_model(graph), path)
    return expected


def main():
    tune = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        model, wisdom, svg = (os.path.join(tmp, f) for f in ("model.onnx", "wisdom.txt", "chart.svg"))
        expected = build_model(model)
        run = subprocess.run([tune, "--budget", "4", "--batch", str(BATCH), "--threads", "1", "--wisdom", wisdom,
                              "--svg", svg, model], capture_output=True, text=True)
        print(run.stdout + run.stderr)
        if run.returncode != 0:
            print("FAIL: xconv-tune exited with %d" % run.returncode)
            return 1
        problems = [line.split(" layout=")[0][len("plan "):] for line in open(wisdom) if line.startswith("plan ")]
        failed = 0
        for name, problem in expected:
            if problem not in problems:
                print("FAIL: %s: no wisdom entry for '%s'" % (name, problem))
                failed += 1
            if not re.search(r"^%s\s" % name, run.stdout, re.M):
                print("FAIL: %s: not in the table" % name)
                failed += 1
        if len(problems) != len(expected):
            print("FAIL: %d entries, expected %d" % (len(problems), len(expected)))
            failed += 1
        groups = ET.parse(svg).getroot().findall(".//{http://www.w3.org/2000/svg}rect")
        titles = [r for r in groups if r.find("{http://www.w3.org/2000/svg}title") is not None]
        if len(titles) != 2 * len(expected):  # default and tuned bar per layer
            print("FAIL: the chart has %d bars, expected %d" % (len(titles), 2 * len(expected)))
            failed += 1
        rsvg = shutil.which("rsvg-convert")  # librsvg2-bin: the chart renders as a browser would draw it
        if rsvg:
            png = os.path.join(tmp, "chart.png")
            render = subprocess.run([rsvg, svg, "-o", png], capture_output=True, text=True)
            if render.returncode != 0 or os.path.getsize(png) < 1000:
                print("FAIL: rsvg-convert could not render the chart: " + render.stderr)
                failed += 1
        print("%d passed, %d failed" % (len(expected) + 2 - failed, failed))
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
