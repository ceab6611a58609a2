"""xconv inside PyTorch: builds the extension (xconv_torch.cpp) against a
built libxconv.a, and swaps a model's convolutions for xconv ones.

    import xconv_torch
    xconv_torch.load("build")                       # the meson build directory
    folded = torch.fx.experimental.optimization.fuse(model.eval())   # BatchNorm folded
    fast = xconv_torch.swap_convolutions(folded)    # a new GraphModule

swap_convolutions replaces every nn.Conv2d (with its bias) by an
XconvConv2d and fuses what follows it when nothing else reads the
convolution's output: an addition of another tensor (the residual of
ResNet's and MobileNetV2's skip connections), then a ReLU or ReLU6. The
result runs on PyTorch's threads (torch.set_num_threads decides for both).
"""
import operator
import os

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.cpp_extension

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))
_extension = None


def load(build_dir, verbose=False):
    """Builds (once; cached under build_dir/torch-extension) and imports the extension."""
    global _extension
    if _extension is None:
        build_dir = os.path.abspath(build_dir)
        out = os.path.join(build_dir, "torch-extension")
        os.makedirs(out, exist_ok=True)
        _extension = torch.utils.cpp_extension.load(
            name="xconv_torch", sources=[os.path.join(_HERE, "xconv_torch.cpp")],
            extra_include_paths=[os.path.join(_ROOT, "include")],
            # -fopenmp: at::parallel_for is a header template whose OpenMP
            # pragma is compiled here; without it every job runs serially.
            extra_cflags=["-O2", "-fopenmp"],
            extra_ldflags=[os.path.join(build_dir, "kernels", "libxconv.a"), "-pthread", "-fopenmp"],
            build_directory=out, verbose=verbose)
    return _extension


class XconvConv2d(nn.Module):
    """An nn.Conv2d (zero padding) computed by xconv, with fused post-ops."""

    def __init__(self, conv, output_min=float("-inf"), output_max=float("inf"), has_residual=False):
        super().__init__()
        if conv.padding_mode != "zeros" or isinstance(conv.padding, str):
            raise ValueError("xconv: only explicit zero padding")
        self.spec = dict(stride=conv.stride, padding=conv.padding, dilation=conv.dilation, groups=conv.groups,
                         output_min=output_min, output_max=output_max, has_residual=has_residual)
        self.op = _extension.Conv(conv.weight, conv.bias, list(conv.stride), list(conv.padding),
                                  list(conv.dilation), conv.groups, output_min, output_max, has_residual)

    def forward(self, x, residual=None):
        return self.op.forward(x, residual)

    def extra_repr(self):
        return ", ".join("%s=%s" % kv for kv in self.spec.items())


def _is_add(node):
    return node.op == "call_function" and node.target in (operator.add, operator.iadd, torch.add)


def _clamp_of(node, modules):
    """(min, max) if node is a ReLU or ReLU6, else None."""
    if node.op == "call_module":
        m = modules[node.target]
        if isinstance(m, nn.ReLU):
            return 0.0, float("inf")
        if isinstance(m, nn.ReLU6):
            return 0.0, 6.0
        if isinstance(m, nn.Hardtanh) and m.min_val == 0.0:
            return 0.0, m.max_val
    if node.op == "call_function" and node.target in (F.relu, torch.relu):
        return 0.0, float("inf")
    if node.op == "call_method" and node.target in ("relu", "relu_"):
        return 0.0, float("inf")
    return None


def _only_user(node):
    users = list(node.users)
    return users[0] if len(users) == 1 else None


def _reaches(start, target):
    """Whether target's value depends on start (so start cannot wait for target)."""
    stack, seen = [target], set()
    while stack:
        n = stack.pop()
        if n is start:
            return True
        if n in seen:
            continue
        seen.add(n)
        stack.extend(a for a in n.all_input_nodes)
    return False


def swap_convolutions(gm):
    """Returns gm (a GraphModule) with its convolutions computed by xconv."""
    if _extension is None:
        raise RuntimeError("call xconv_torch.load(build_dir) first")
    modules = dict(gm.named_modules())
    count = 0
    for node in list(gm.graph.nodes):
        if node.op != "call_module" or not isinstance(modules.get(node.target), nn.Conv2d):
            continue
        conv = modules[node.target]
        last, residual = node, None
        user = _only_user(node)
        if user is not None and _is_add(user) and len(user.args) == 2 and not user.kwargs:
            other = user.args[1] if user.args[0] is node else user.args[0]
            if isinstance(other, torch.fx.Node) and not _reaches(node, other):
                last, residual = user, other
        lo, hi = float("-inf"), float("inf")
        user = _only_user(last)
        clamp = _clamp_of(user, modules) if user is not None else None
        if clamp is not None:
            lo, hi = clamp
            last = user
        name = node.target.replace(".", "_") + "_xconv"
        gm.add_submodule(name, XconvConv2d(conv, lo, hi, residual is not None))
        with gm.graph.inserting_after(last):
            args = (node.args[0],) if residual is None else (node.args[0], residual)
            fused = gm.graph.call_module(name, args)
        last.replace_all_uses_with(fused)
        count += 1
    gm.graph.eliminate_dead_code()
    gm.delete_all_unused_submodules()
    gm.recompile()
    gm.xconv_convolutions = count
    return gm
