#!/usr/bin/python3
"""`bmshil serve` pacing: 60 s at real time must be late by less than one tick
(10 ms) at every slice, with the worst lateness reported (a run with an
overrun is tried once more); at 100x, the speed achieved is reported and near
100x (the model needs a small fraction of it).

Usage: serve_pacing_test.py SOURCE_DIR BINARY_DIR
"""
import os
import re
import subprocess
import sys
import time

source, binary = sys.argv[1], sys.argv[2]
bmshil = os.path.join(binary, "bin", "bmshil")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def serve(speed, simulated_s):
    start = time.monotonic()
    p = subprocess.run([bmshil, "serve", "--quiet", "--speed", str(speed), "--for", str(simulated_s), "--control", "none",
                        "--no-tcp"], capture_output=True, text=True, timeout=simulated_s / speed + 120)
    wall = time.monotonic() - start
    print(p.stdout + p.stderr, end="", flush=True)
    m = re.search(r"serve: ([\d.]+) s simulated in ([\d.]+) s wall \(x([\d.]+)\); lateness at worst ([\d.]+) ms \(at [\d.]+ s\), "
                  r"(\d+) of (\d+) slices later than a tick", p.stdout)
    check(p.returncode == 0 and m is not None, f"x{speed} for {simulated_s} s: ran (exit {p.returncode}) and reported "
                                               f"its pacing")
    if not m:
        return None
    simulated, served_wall, achieved, worst_ms, overruns, slices = m.groups()
    return {"simulated": float(simulated), "wall": float(served_wall), "achieved": float(achieved),
            "worst_ms": float(worst_ms), "overruns": int(overruns), "slices": int(slices), "process_wall": wall}


# A shared virtual machine stalls a process now and then for longer than a
# tick (a plain poll() of 9 ms here overshot by up to 2.4 ms in 1,000 tries,
# and by more at times): an overrun is retried once, and both runs are shown.
for attempt in (1, 2):
    r = serve(1, 60)
    if not r:
        break
    print(f"x1 attempt {attempt}: worst lateness {r['worst_ms']} ms, {r['overruns']} of {r['slices']} slices later "
          f"than a tick", flush=True)
    if r["overruns"] == 0:
        break
if r:
    check(abs(r["simulated"] - 60.0) < 0.02, f"x1: {r['simulated']} s simulated")
    check(abs(r["wall"] - 60.0) < 0.5, f"x1: in {r['wall']} s of wall time")
    check(r["overruns"] == 0, f"x1: {r['overruns']} of {r['slices']} slices later than one tick (10 ms); "
                              f"worst lateness {r['worst_ms']} ms")
r = serve(100, 600)
if r:
    check(abs(r["simulated"] - 600.0) < 0.1, f"x100: {r['simulated']} s simulated")
    check(r["achieved"] >= 95.0, f"x100: achieved x{r['achieved']} ({r['simulated']} s in {r['wall']} s); worst "
                                 f"lateness {r['worst_ms']} ms, {r['overruns']} slices later than a tick")
print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
