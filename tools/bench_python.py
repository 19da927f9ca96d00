#!/usr/bin/env python3
"""Bench of the Python module (issue: Python): run with /usr/bin/python3 after
tools/build.sh. Prints

- one hour of simulated 1C discharge with the bundled firmware, from the CLI
  (`bmshil run scenarios/bench/discharge_1c_one_hour.yaml`) and from Python
  (bmshil.Rig: the same pack, load and hour), wall time of each and their ratio;
- the time to hand a trace of 10^6 samples to NumPy (Recorder.take(), the
  worker's memory file mapped here).

Each figure is the median of --repeat runs. Targets: ratio <= 1.1, hand-over <= 10 ms.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "build" / "python"))

import bmshil  # noqa: E402

SCENARIO = REPO / "scenarios" / "bench" / "discharge_1c_one_hour.yaml"


def cli_once() -> float:
    t0 = time.perf_counter()
    subprocess.run([str(REPO / "build" / "bin" / "bmshil"), "run", str(SCENARIO), "--jobs", "1",
                    "--results-dir", "/tmp/bmshil-bench-results", "--json", "/tmp/bmshil-bench.json",
                    "--junit", "/tmp/bmshil-bench.xml"], check=True, capture_output=True)
    return time.perf_counter() - t0


def python_once() -> tuple:
    """(wall time of the whole, wall time of the hour's run_for alone)."""
    t0 = time.perf_counter()
    with bmshil.Rig(soc=1.0) as rig:
        rig.run_for(1.0)
        rig.load("drive", current_A=100.0)
        t1 = time.perf_counter()
        rig.run_for(3600.0)
        run = time.perf_counter() - t1
        assert rig.safety() == []
    return time.perf_counter() - t0, run




def trace_handover(samples: int) -> float:
    with bmshil.Rig() as rig:
        rec = rig.record(["current_A"], interval_s=1e-3)
        rig.run_for(samples * 1e-3)  # a sample per millisecond
        t0 = time.perf_counter()
        trace = rec.take()
        elapsed = time.perf_counter() - t0
        assert len(trace) >= samples, len(trace)
        assert trace.time_s[-1] > trace.time_s[0]
        return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cli = statistics.median(cli_once() for _ in range(args.repeat))
    runs = [python_once() for _ in range(args.repeat)]
    py = statistics.median(r[0] for r in runs)
    py_run = statistics.median(r[1] for r in runs)
    print(f"1 h of 1C discharge: CLI {cli:.3f} s, Python {py:.3f} s, ratio Python/CLI {py / cli:.3f} (target <= 1.1);"
          f" the hour's run_for alone {py_run:.3f} s")
    hand = statistics.median(trace_handover(1_000_000) for _ in range(args.repeat))
    print(f"a trace of 10^6 samples to NumPy: {hand * 1e3:.3f} ms (target <= 10 ms)")


if __name__ == "__main__":
    main()
