#!/usr/bin/python3
"""Real time over tcp loopback, as on a lab bench: the short-circuit scenario
(scenarios/bench/short_circuit_once.yaml) and the transient over-current delay
check (generated/p057.delay), once against `bmshil virtual-board` in real-time
mode (the rig's model has the AFE) and once against the Python bench agent with
its simulated instruments (the board's own AFE trips and reports its edge).
Each must pass within the tolerances the DAQ declared; the link's latency and
jitter figures are printed.

Usage: realtime_test.py SOURCE_DIR BINARY_DIR
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

source, binary = sys.argv[1], sys.argv[2]
bmshil = os.path.join(binary, "bin", "bmshil")
firmware = os.path.join(binary, "lib", "libbms_firmware.so")
scratch = tempfile.mkdtemp(prefix="bmshil-realtime-")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def start(argv, cwd=None):
    """A board process; returns it and the address from its first line."""
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if " on " not in line:
        raise SystemExit(f"{argv[0]}: did not start: {line!r}")
    return p, line.split(" on ", 1)[1].split()[0]


def run(name, board, args):
    out = os.path.join(scratch, name)
    cmd = [bmshil] + args + ["--board", f"zmq:{board}?mode=realtime", "--json", out + ".json",
                             "--junit", out + ".xml", "--results-dir", out, "-j", "1"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    for line in (p.stdout + p.stderr).splitlines():
        if ": link " in line or "passed" in line or "failed" in line:
            print("     " + line)
    check(p.returncode == 0, f"{name}: bmshil exit status {p.returncode}")
    return json.load(open(out + ".json"))


def judge(result, board_name):
    check(board_name in result["board"]["board"], f"the report names the board: {result['board']['board']!r}")
    for s in result["scenarios"]:
        check(s["status"] == "passed", f"{s['name']}: {s['status']} {s['error']}")
        for f in s["findings"]:
            low = f["configured"] - f["tolerance"]
            high = f["configured"] + f["tolerance"]
            check(f["passed"] and low - 1e-9 <= f["measured"] <= high + 1e-9,
                  f"{s['name']} {f['check']}: {f['measured']:.6f} {f['unit']} within "
                  f"[{low:.6f}, {high:.6f}] (the DAQ's tolerance): {f['message']}")


boards = [
    ("virtual-board", [bmshil, "virtual-board", "--firmware", firmware, "--bind", "tcp://127.0.0.1:*"], None),
    ("bench agent", ["/usr/bin/python3", "-m", "bmshil_bench_agent", "--firmware", firmware,
                     "--bind", "tcp://127.0.0.1:*"], os.path.join(source, "bench_agent")),
]
for name, argv, cwd in boards:
    print(f"== {name}", flush=True)
    process, endpoint = start(argv, cwd)
    try:
        short = run(name.replace(" ", "_") + "_short", endpoint,
                    ["run", os.path.join(source, "scenarios", "bench", "short_circuit_once.yaml")])
        judge(short, "bench agent" if cwd else "virtual-board")
        trip = next(f for f in short["scenarios"][0]["findings"] if "discharge_fet == off" in f["message"])
        print(f"     the AFE's trip seen {trip['measured'] * 1e3:.3f} ms after the short "
              f"(window 0.200-0.260 ms, + {(trip['tolerance'] - 0.00003) * 1e3:.3f} ms the link declares)")
        oc = run(name.replace(" ", "_") + "_overcurrent", endpoint, ["suite", "--filter", "p057.delay$"])
        judge(oc, "bench agent" if cwd else "virtual-board")
        check(len(oc["scenarios"]) == 1, "one over-current delay check ran")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)

if failures:
    print(f"{len(failures)} failed")
    sys.exit(1)
print("all passed")
