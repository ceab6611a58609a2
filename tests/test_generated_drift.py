#!/usr/bin/env python3
"""Fails when the committed generated files differ from what gen/ writes now.
Everything under kernels/ukernels/gen/ is the generator's, so the check is
both ways: every file it writes must be committed unchanged, and every file
there must be one it writes (a stale kernel fails too).
Usage: test_generated_drift.py SOURCE_ROOT"""

import os
import subprocess
import sys
import tempfile

GENERATED = os.path.join("kernels", "ukernels", "gen")


def files_under(root):
    top = os.path.join(root, GENERATED)
    return {os.path.relpath(os.path.join(d, f), top) for d, _, fs in os.walk(top) for f in fs}


def main():
    root = sys.argv[1]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(root, "gen", "generate.py"), "--out", tmp], check=True,
                       stdout=subprocess.DEVNULL)
        fresh, committed = files_under(tmp), files_under(root)
        for path in sorted(fresh - committed):
            problems.append("missing from the tree: " + path)
        for path in sorted(committed - fresh):
            problems.append("stale (the generator no longer writes it): " + path)
        for path in sorted(fresh & committed):
            with open(os.path.join(root, GENERATED, path)) as a, open(os.path.join(tmp, GENERATED, path)) as b:
                if a.read() != b.read():
                    problems.append("differs from the generator's output: " + path)
    for p in problems:
        print("DRIFT: " + p)
    print("%d generated files checked, %d problems" % (len(fresh), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
