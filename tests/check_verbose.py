"""XCONV_VERBOSE=1 prints one line per plan creation and per run on stderr,
in the grammar of docs/DESIGN.md ("Verbose lines"); unset, it prints none.
Runs a program that creates and runs plans (argv[1])."""
import os
import re
import subprocess
import sys

SHAPE = r"n\d+_c\d+x\d+x\d+_k\d+_r\d+x\d+_s\d+x\d+_d\d+x\d+_p\d+\.\d+\.\d+\.\d+_g\d+"
CREATE = re.compile(rf"^xconv_verbose,create,{SHAPE},\d+\.\d+ ms,isa=\S+ kernel=\S+ .*path=\S+")
RUN = re.compile(rf"^xconv_verbose,run,{SHAPE},\d+\.\d+ ms,path=\S+ kernel=\S+ threads=\d+ batch=\d+$")


def stderr_lines(verbose):
    env = dict(os.environ)
    env.pop("XCONV_VERBOSE", None)
    if verbose:
        env["XCONV_VERBOSE"] = "1"
    done = subprocess.run([sys.argv[1]], env=env, capture_output=True, text=True, check=True)
    return [line for line in done.stderr.splitlines() if line.startswith("xconv_verbose")]


def main():
    quiet = stderr_lines(False)
    if quiet:
        sys.exit(f"without XCONV_VERBOSE: {len(quiet)} verbose lines, e.g. {quiet[0]}")
    lines = stderr_lines(True)
    creates = [l for l in lines if CREATE.match(l)]
    runs = [l for l in lines if RUN.match(l)]
    bad = [l for l in lines if not (CREATE.match(l) or RUN.match(l))]
    if bad or not creates or not runs:
        sys.exit(f"{len(creates)} create and {len(runs)} run lines; malformed: {bad[:3]}")
    print(f"{len(creates)} create lines, {len(runs)} run lines, e.g.\n{creates[0]}\n{runs[0]}")


main()
