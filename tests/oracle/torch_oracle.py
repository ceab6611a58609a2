#!/usr/bin/python3
"""PyTorch as a second, independent oracle, used as a new user would.

Drives conv_stdin (a C program built against the installed xconv) on random
shapes: groups and depthwise, strides, dilations, asymmetric padding, NCHW and
NHWC, all weight layouts, bias and clamp. Each output must agree with
torch.nn.functional.conv2d in float64 within xconv's stated bound:
  |y - y_ref| <= (depth + 2) * 2^-24 * (sum |w * x| + |bias|).
Then hostile descriptors must return a status, never crash.

usage: torch_oracle.py CONV_STDIN [CASES] [SEED]   (needs Debian's python3-torch)
"""

import random
import struct
import subprocess
import sys

import torch
import torch.nn.functional as F

NCHW, NHWC = 0, 1
OIHW, OHWI, HWIO = 0, 1, 2
XCONV_OK = 0


def run(program, fields, clamp, tensors):
    payload = struct.pack("<20q", *fields) + struct.pack("<2f", *clamp)
    payload += b"".join(t.contiguous().numpy().astype("<f4").tobytes() for t in tensors)
    done = subprocess.run([program], input=payload, capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError("conv_stdin exited %d: %s" % (done.returncode, done.stderr.decode()))
    status = struct.unpack("<i", done.stdout[:4])[0]
    return status, done.stdout[4:], done.stderr.decode().strip()


def random_case(rng):
    groups = rng.choice([1, 1, 1, 2, 3, "dw"])
    if groups == "dw":
        groups = rng.randint(1, 16)
        cin, cout = groups, groups * rng.randint(1, 2)
    else:
        cin, cout = groups * rng.randint(1, 12), groups * rng.randint(1, 24)
    while True:
        c = dict(n=rng.randint(1, 3), cin=cin, cout=cout, groups=groups,
                 h=rng.randint(1, 20), w=rng.randint(1, 20), r=rng.randint(1, 5), s=rng.randint(1, 5),
                 sh=rng.randint(1, 3), sw=rng.randint(1, 3),
                 dh=rng.choice([1, 1, 2, 3]), dw=rng.choice([1, 1, 2, 3]),
                 pt=rng.randint(0, 3), pl=rng.randint(0, 3), pb=rng.randint(0, 3), pr=rng.randint(0, 3),
                 layout=rng.choice([NCHW, NHWC]), wlayout=rng.choice([OIHW, OHWI, HWIO]),
                 bias=rng.random() < 0.5,
                 clamp=rng.choice([(-float("inf"), float("inf")), (0.0, float("inf")), (-0.5, 0.75)]))
        if (c["dh"] * (c["r"] - 1) < c["h"] + c["pt"] + c["pb"] and
                c["dw"] * (c["s"] - 1) < c["w"] + c["pl"] + c["pr"]):
            return c


def check_case(program, c, gen):
    x = torch.rand(c["n"], c["cin"], c["h"], c["w"], generator=gen) * 2 - 1
    wt = torch.rand(c["cout"], c["cin"] // c["groups"], c["r"], c["s"], generator=gen) * 2 - 1
    b = torch.rand(c["cout"], generator=gen) * 2 - 1
    x_in = x.permute(0, 2, 3, 1) if c["layout"] == NHWC else x
    w_in = {OIHW: wt, OHWI: wt.permute(0, 2, 3, 1), HWIO: wt.permute(2, 3, 1, 0)}[c["wlayout"]]
    fields = [c["n"], c["cin"], c["h"], c["w"], c["cout"], c["r"], c["s"], c["sh"], c["sw"], c["dh"], c["dw"],
              c["pt"], c["pl"], c["pb"], c["pr"], c["groups"], c["layout"], c["wlayout"], int(c["bias"]), 0]
    status, out, err = run(program, fields, c["clamp"], [x_in, w_in] + ([b] if c["bias"] else []))
    if status != XCONV_OK:
        return "status %d: %s" % (status, err)

    def conv(xx, ww, bb):
        xx = F.pad(xx, (c["pl"], c["pr"], c["pt"], c["pb"]))
        return F.conv2d(xx, ww, bb, stride=(c["sh"], c["sw"]), dilation=(c["dh"], c["dw"]), groups=c["groups"])

    ref = conv(x.double(), wt.double(), b.double() if c["bias"] else None)
    ref = ref.clamp(c["clamp"][0], c["clamp"][1])
    magnitude = conv(x.double().abs(), wt.double().abs(), b.double().abs() if c["bias"] else None)
    if c["layout"] == NHWC:
        ref, magnitude = ref.permute(0, 2, 3, 1), magnitude.permute(0, 2, 3, 1)
    y = torch.frombuffer(bytearray(out), dtype=torch.float32).double()
    if y.numel() != ref.numel():
        return "output has %d elements, torch %d" % (y.numel(), ref.numel())
    depth = (c["cin"] // c["groups"]) * c["r"] * c["s"]
    bound = (depth + 2) * 2.0 ** -24 * magnitude.reshape(-1)
    diff = (y - ref.reshape(-1)).abs()
    if not bool((diff <= bound).all()):
        i = int((diff - bound).argmax())
        return "element %d: %g vs torch %g, |diff| %g > bound %g" % (i, y[i], ref.reshape(-1)[i], diff[i], bound[i])
    return None


HOSTILE = [
    ("negative batch", dict(n=-1)), ("negative channels", dict(cin=-4)), ("zero stride", dict(sh=0)),
    ("zero dilation", dict(dw=0)), ("negative pad", dict(pl=-1)), ("groups not dividing", dict(groups=3)),
    ("kernel larger than input", dict(r=50)), ("huge sizes", dict(n=2 ** 40, h=2 ** 40)),
    ("overflowing product", dict(n=2 ** 31 - 1, cin=2 ** 31 - 1, h=2 ** 31 - 1, w=2 ** 31 - 1)),
    ("bad layout", dict(layout=9)), ("bad weight layout", dict(wlayout=-3)), ("zero groups", dict(groups=0)),
]


def check_hostile(program, name, change):
    c = dict(n=1, cin=4, cout=4, groups=1, h=6, w=6, r=3, s=3, sh=1, sw=1, dh=1, dw=1, pt=0, pl=0, pb=0, pr=0,
             layout=NCHW, wlayout=OIHW)
    c.update(change)
    fields = [c["n"], c["cin"], c["h"], c["w"], c["cout"], c["r"], c["s"], c["sh"], c["sw"], c["dh"], c["dw"],
              c["pt"], c["pl"], c["pb"], c["pr"], c["groups"], c["layout"], c["wlayout"], 0, 0]
    status, _, err = run(program, fields, (-float("inf"), float("inf")), [])
    return None if status != XCONV_OK and err else "%s: status %d, message %r" % (name, status, err)


def main():
    program = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else random.randrange(1 << 30)
    print("torch oracle: torch %s, %d random cases, seed %d" % (torch.__version__, cases, seed), flush=True)
    rng, gen = random.Random(seed), torch.Generator().manual_seed(seed)
    passed = failed = 0
    for i in range(cases):
        c = random_case(rng)
        problem = check_case(program, c, gen)
        if problem:
            failed += 1
            print("FAIL case %d %s: %s" % (i, c, problem))
        else:
            passed += 1
    for name, change in HOSTILE:
        problem = check_hostile(program, name, change)
        if problem:
            failed += 1
            print("FAIL hostile descriptor " + problem)
        else:
            passed += 1
    print("torch oracle: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
