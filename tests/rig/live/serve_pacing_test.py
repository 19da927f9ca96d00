#!/usr/bin/python3
"""`bmshil serve` pacing. 60 s at real time: the wall clock must not drift from
the simulated one, the worst lateness is reported, and fewer than 1 slice in
1000 may end more than one tick (10 ms) late through the rig's own work (a
stall of the virtual machine during a slice's work counts there too, so the
bound is not zero; runs here show 0-2 in 6000). A slice can also be late
because the host woke the process late: this 2-core virtual machine stalls a
process for up to ~20 ms now and then (seen with SCHED_FIFO too, and a plain C
loop of 9 ms polls oversleeps by up to 4 ms in 30 s). Those are counted
apart and printed, never hidden, and are not the rig's to pass or fail. At 100x: the speed achieved.

Usage: serve_pacing_test.py SOURCE_DIR BINARY_DIR
"""
import os
import re
import subprocess
import sys

source, binary = sys.argv[1], sys.argv[2]
bmshil = os.path.join(binary, "bin", "bmshil")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def serve(speed, simulated_s):
    p = subprocess.run([bmshil, "serve", "--quiet", "--speed", str(speed), "--for", str(simulated_s), "--control",
                        "none", "--no-tcp"], capture_output=True, text=True, timeout=simulated_s / speed + 120)
    print(p.stdout + p.stderr, end="", flush=True)
    m = re.search(r"serve: ([\d.]+) s simulated in ([\d.]+) s wall \(x([\d.]+)\); lateness at worst ([\d.]+) ms "
                  r"\(at [\d.]+ s\), (\d+) of (\d+) slices later than a tick \((\d+) of them already when the host "
                  r"woke the process, (\d+) by the slice's own work\)", p.stdout)
    check(p.returncode == 0 and m is not None, f"x{speed} for {simulated_s} s: ran (exit {p.returncode}) and reported "
                                               f"its pacing")
    if not m:
        return None
    keys = ["simulated", "wall", "achieved", "worst_ms", "overruns", "slices", "at_wake", "own"]
    return {k: float(v) for k, v in zip(keys, m.groups())}


r = serve(1, 60)
if r:
    check(abs(r["simulated"] - 60.0) < 0.02, f"x1: {r['simulated']} s simulated")
    check(abs(r["wall"] - 60.0) < 0.5, f"x1: in {r['wall']} s of wall time")
    check(r["own"] < r["slices"] / 1000, f"x1: {r['own']:.0f} of {r['slices']:.0f} slices more than a tick late by the rig's own work; "
                         f"worst lateness {r['worst_ms']} ms; {r['at_wake']:.0f} late already at the host's wake-up")
r = serve(100, 600)
if r:
    check(abs(r["simulated"] - 600.0) < 0.1, f"x100: {r['simulated']} s simulated")
    check(r["achieved"] >= 95.0, f"x100: achieved x{r['achieved']} ({r['simulated']} s in {r['wall']} s); worst "
                                 f"lateness {r['worst_ms']} ms")
print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
