#!/usr/bin/env python3
"""Adds up the test results of every stage of scripts/test.sh and prints the
closing line 'N passed, N failed, N skipped'. Exit 1 if anything failed or a
stage left no results.

Each argument is STAGE=PATH, where PATH is one of:
  *.json  a meson test log (meson-logs/testlog.json or a --logbase one): each
          GoogleTest binary counts its test cases, any other test counts one;
  *.log   a stage's output holding GoogleTest summary lines or a line
          'NAME: N passed, N failed'; a missing log counts one failure.
"""

import json
import re
import sys

GTEST_PASSED = re.compile(r"^\[  PASSED  \] (\d+) tests?\.", re.M)
GTEST_FAILED = re.compile(r"^\[  FAILED  \] (\d+) tests?, listed below", re.M)
GTEST_SKIPPED = re.compile(r"^\[  SKIPPED \] (\d+) tests?, listed below", re.M)
PLAIN = re.compile(r"^[\w .-]+: (\d+) passed, (\d+) failed", re.M)


def gtest_counts(text):
    passed = sum(int(m) for m in GTEST_PASSED.findall(text))
    failed = sum(int(m) for m in GTEST_FAILED.findall(text))
    skipped = sum(int(m) for m in GTEST_SKIPPED.findall(text))
    return passed, failed, skipped


def from_meson_log(path):
    passed = failed = skipped = 0
    with open(path) as f:
        for line in f:
            test = json.loads(line)
            result, out = test.get("result"), test.get("stdout") or ""
            p, fl, s = gtest_counts(out)
            if p or fl or s:
                # A binary that crashed after its summary still failed.
                passed, failed, skipped = passed + p, failed + fl + (result != "OK" and fl == 0), skipped + s
            elif result == "OK":
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
    return passed, failed, skipped


def from_stage_log(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return 0, 1, 0
    p, fl, s = gtest_counts(text)
    for m in PLAIN.finditer(text):
        p, fl = p + int(m.group(1)), fl + int(m.group(2))
    if "XCONV_STAGE_FAILED" in text:
        fl += 1
    return p, fl, s


def main():
    totals = [0, 0, 0]
    for arg in sys.argv[1:]:
        stage, path = arg.split("=", 1)
        try:
            counts = from_meson_log(path) if path.endswith(".json") else from_stage_log(path)
        except FileNotFoundError:
            counts = (0, 1, 0)
        if counts == (0, 0, 0):
            counts = (0, 1, 0)  # a stage that ran nothing has failed
        print("  %-22s %5d passed, %3d failed, %3d skipped" % (stage, *counts))
        totals = [t + c for t, c in zip(totals, counts)]
    print("%d passed, %d failed, %d skipped" % tuple(totals))
    return 1 if totals[1] else 0


if __name__ == "__main__":
    sys.exit(main())
