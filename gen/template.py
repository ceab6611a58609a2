"""A small text-template language, so that a template reads like its output.

A template is the output text, with two additions:
  * a line whose first non-blank character is `$` is a Python control line:
      $for i in range(MR):      $if avx512:      $elif x:      $else:
      $endfor                   $endif           $name = expression
    Blocks close with $endfor / $endif; the control line's own indentation
    is ignored, so the template can be indented like the C it produces;
  * `${expression}` anywhere in another line is replaced by str(expression);
  * `$include NAME` stands for the lines of template NAME (same folder), so
    families of kernels share their prologue and epilogue.
Everything else is copied as it is. Expressions see the keyword arguments
given to render() (kernel parameters, the ISA's vocabulary, helpers).
"""

import os
import re

_SUBSTITUTION = re.compile(r"\$\{([^}]*)\}")
_OPENERS = ("for ", "if ", "while ")
_CLOSERS = ("endfor", "endif", "endwhile")
_MIDDLES = ("elif ", "else")


def _text_line(line):
    """Python code appending `line` with its ${...} substitutions done."""
    parts, last = [], 0
    for m in _SUBSTITUTION.finditer(line):
        parts.append(repr(line[last:m.start()]))
        parts.append("str(%s)" % m.group(1))
        last = m.end()
    parts.append(repr(line[last:]))
    return "_out.append(%s)" % " + ".join(parts)


def _inline_includes(text, folder):
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("$include "):
            with open(os.path.join(folder, stripped[len("$include "):].strip())) as f:
                lines += _inline_includes(f.read().rstrip("\n"), folder)
        else:
            lines.append(line)
    return lines


def compile_template(text, name="<template>", folder="."):
    code, depth = [], 0
    for number, line in enumerate(_inline_includes(text, folder), 1):
        stripped = line.strip()
        if stripped.startswith("$") and not stripped.startswith("${"):
            statement = stripped[1:].strip()
            if statement.startswith(_CLOSERS):
                depth -= 1
            elif statement.startswith(_MIDDLES):
                code.append("    " * (depth - 1) + statement)
            else:
                code.append("    " * depth + statement)
                if statement.startswith(_OPENERS):
                    depth += 1
            if depth < 0:
                raise SyntaxError("%s:%d: unmatched %s" % (name, number, stripped))
        else:
            code.append("    " * depth + _text_line(line))
    if depth != 0:
        raise SyntaxError("%s: %d block(s) left open" % (name, depth))
    return compile("\n".join(code), name, "exec")


def render(path, **values):
    with open(path) as f:
        program = compile_template(f.read(), path, os.path.dirname(path))
    scope = dict(values)
    scope["_out"] = []
    exec(program, scope)  # noqa: S102: our own templates, from gen/templates/
    return "\n".join(scope["_out"])
