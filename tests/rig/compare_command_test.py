#!/usr/bin/python3
"""`bmshil compare` end to end: the over-voltage checks (generated/p005.*) run
against the bundled firmware and against the variant whose over-voltage
protection trips 50 mV high (libbms_firmware_ov_plus_50mv.so), then compared.
The comparison must name #5 with both measured trip values, 0.05 V apart, and
fail on drift; a run compared with itself must not; a missing file and a file
that is not JSON are bad input (exit 2) naming the file, with nothing printed.

Usage: compare_command_test.py SOURCE_DIR BINARY_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

source, binary = sys.argv[1], sys.argv[2]
bmshil = os.path.join(binary, "bin", "bmshil")
scratch = tempfile.mkdtemp(prefix="bmshil-compare-")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def bmshil_run(args):
    # In the scratch folder, so nothing a default path names lands in the tree.
    return subprocess.run([bmshil] + args, cwd=scratch, capture_output=True, text=True, timeout=240)


def suite(name, firmware, expected_rc):
    """The p005 checks against one firmware library; returns its JSON result's path."""
    out = os.path.join(scratch, name)
    p = bmshil_run(["suite", "--filter", r"^generated/p005\.", "--firmware", os.path.join(binary, "lib", firmware),
                    "--json", out + ".json", "--results-dir", out + "-results", "--vcd", out + "-vcd"])
    check(p.returncode == expected_rc, f"suite with {firmware}: exit {p.returncode} (expected {expected_rc})")
    if p.returncode != expected_rc:
        print(p.stdout + p.stderr)
    return out + ".json"


def measured_pair(line, unit):
    """The two measured values of a comparison line: 'measured 3.65 V -> 3.7 V'."""
    number = r"([-+]?[0-9.]+(?:e[-+]?[0-9]+)?)"
    m = re.search(rf"measured {number} {unit} -> {number} {unit}", line)
    return (float(m.group(1)), float(m.group(2))) if m else None


good = suite("bundled", "libbms_firmware.so", 0)
late = suite("ov_plus_50mv", "libbms_firmware_ov_plus_50mv.so", 1)  # it fails: the trip is out of tolerance

print("== bundled -> ov_plus_50mv", flush=True)
comparison_json = os.path.join(scratch, "comparison.json")
p = bmshil_run(["compare", good, late, "--fail-on-drift", "--json", comparison_json])
print(p.stdout, end="")
check(p.returncode == 1, f"compare --fail-on-drift: exit {p.returncode} (expected 1: the trip value moved)")
lines = p.stdout.splitlines()
check(bool(lines) and " findings compared, " in lines[0], "the summary comes first")
trip = [line for line in lines if line.startswith("#5 ") and " p005.trip_value: " in line]
check(len(trip) == 1, "one line names #5's trip value")
pair = measured_pair(trip[0], "V") if trip else None
check(pair is not None, "the #5 line gives both measured values in V")
if pair:
    old, new = pair
    print(f"     #5 trip value: {old} V (bundled) -> {new} V (ov_plus_50mv), {new - old:+.4f} V")
    check(abs(old - 3.65) < 0.02, f"the bundled firmware trips near 3.65 V: {old} V")
    check(abs((new - old) - 0.05) <= 0.01, f"the variant trips 0.05 V +- 0.01 V higher: {new - old:+.4f} V")
    check("passed -> failed" in trip[0], "the #5 line says the verdict changed")
report = json.load(open(comparison_json))
rows = [r for r in report["findings"] if r["check"] == "p005.trip_value"]
check(len(rows) == 1 and rows[0]["moved"] and rows[0]["parameter"] == 5 and rows[0]["unit"] == "V",
      "--json has the trip value as a moved finding of #5 in V")
if rows and pair:
    check(abs(rows[0]["difference"] - (pair[1] - pair[0])) < 1e-5, "--json's difference is the text's")

print("== bundled -> bundled", flush=True)
p = bmshil_run(["compare", good, good, "--fail-on-drift"])
print(p.stdout, end="")
check(p.returncode == 0, f"a result compared with itself: exit {p.returncode} (expected 0)")
check(" 0 moved " in p.stdout, "nothing moved")

print("== bad input", flush=True)
missing = os.path.join(scratch, "no-such-result.json")
not_json = os.path.join(scratch, "not-json.json")
with open(not_json, "w") as f:
    f.write("passed: yes\n")
for name, args, path in [("a missing file", ["compare", good, missing], missing),
                         ("a file that is not JSON", ["compare", not_json, good], not_json),
                         ("--fraction 0", ["compare", good, good, "--fraction", "0"], "--fraction"),
                         ("--fraction nan", ["compare", good, good, "--fraction", "nan"], "--fraction")]:
    p = bmshil_run(args)
    print("     " + p.stderr.strip().splitlines()[0] if p.stderr.strip() else "     (no message)")
    check(p.returncode == 2, f"{name}: exit {p.returncode} (expected 2)")
    check(path in p.stderr, f"{name}: the message names {path}")
    check(p.stdout == "", f"{name}: nothing printed on stdout")

if failures:
    print(f"{len(failures)} failed; results kept in {scratch}")
    sys.exit(1)
shutil.rmtree(scratch)
print("all passed")
