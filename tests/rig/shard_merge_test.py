#!/usr/bin/env python3
"""Sharding for CI matrices: `bmshil suite --shard K/N` runs every N-th item of
the sorted plan, the shards together are the whole plan once, and `bmshil
merge` joins their JSON into the result a single run gives (items, verdicts,
coverage), with one JUnit file and one HTML report.

Usage: shard_merge_test.py SOURCE_DIR BINARY_DIR
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE, BUILD = Path(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from script_checks import Checks  # noqa: E402

check = Checks("shard merge test")
BMSHIL = str(BUILD / "bin" / "bmshil")
FILTER = r"^generated/p0(05|07|56)\.|^scenarios/soft_start$|^generated/port\.bad_crc$"
def bmshil(*args):
    return subprocess.run([BMSHIL, *args], capture_output=True, text=True, timeout=600)


def suite(out, *extra):
    return bmshil("suite", "--filter", FILTER, "--json", str(out / "result.json"), "--results-dir",
                  str(out / "results"), "--html", str(out / "report.html"), *extra)


def main():
    work = Path(tempfile.mkdtemp(prefix="bmshil-shards-"))
    whole = suite(work / "whole")
    check(whole.returncode == 0, f"the whole plan passes (exit {whole.returncode})")
    shards = [suite(work / f"s{k}", "--shard", f"{k}/3") for k in (1, 2, 3)]
    check(all(s.returncode == 0 for s in shards), "each of 3 shards passes")
    one = json.loads((work / "whole" / "result.json").read_text())
    parts = [json.loads((work / f"s{k}" / "result.json").read_text()) for k in (1, 2, 3)]
    names = [[s["name"] for s in p["scenarios"]] for p in parts]
    every = sorted(n for part in names for n in part)
    check(every == sorted(s["name"] for s in one["scenarios"]), f"the shards hold the plan's {len(every)} items once each")
    check(max(map(len, names)) - min(map(len, names)) <= 1, f"evenly: {[len(n) for n in names]} items")
    again = suite(work / "s1-again", "--shard", "1/3")
    check(json.loads((work / "s1-again" / "result.json").read_text())["scenarios"][0]["name"] == names[0][0] and
          [s["name"] for s in json.loads((work / "s1-again" / "result.json").read_text())["scenarios"]] == names[0],
          "the same shard gets the same items again")

    merged = bmshil("merge", *(str(work / f"s{k}" / "result.json") for k in (1, 2, 3)), "--json", str(work / "merged.json"),
                    "--junit", str(work / "merged.xml"), "--html", str(work / "merged.html"),
                    *(a for k in (1, 2, 3) for a in ("--plots", str(work / f"s{k}" / "plots"))))
    print("     " + merged.stdout.strip())
    check(merged.returncode == 0, f"merge exits 0 ({merged.returncode}) {merged.stderr.strip()}")
    m = json.loads((work / "merged.json").read_text())
    check([s["name"] for s in m["scenarios"]] == [s["name"] for s in one["scenarios"]], "the merged items are the single run's")
    check([s["status"] for s in m["scenarios"]] == [s["status"] for s in one["scenarios"]], "with the same verdicts")
    check(m["coverage"]["parameters_verified"] == one["coverage"]["parameters_verified"],
          f"the coverage is the union: parameters {m['coverage']['parameters_verified']}")
    check(m["coverage"]["switches_verified"] == one["coverage"]["switches_verified"], "and switches")
    junit = (work / "merged.xml").read_text()
    check(junit.count("<testcase ") == len(every), "one JUnit test case per item")
    html = (work / "merged.html").read_text()
    check("generated/p005.trip_value" in html and '"plot":{' in html.replace(" ", ""), "the merged report has the shards' plots")

    bad = bmshil("suite", "--filter", FILTER, "--shard", "4/3")
    check(bad.returncode == 2 and "--shard 4/3" in bad.stderr, f"--shard 4/3 is bad input (exit {bad.returncode})")
    other_seed = suite(work / "seed2", "--shard", "2/3", "--seed", "2")
    mixed = bmshil("merge", str(work / "s1" / "result.json"), str(work / "seed2" / "result.json"))
    check(mixed.returncode == 2 and "seed" in mixed.stderr, f"shards of two runs (two seeds) are refused: {mixed.stderr.strip()}")
    twice = bmshil("merge", str(work / "s1" / "result.json"), str(work / "s1-again" / "result.json"))
    check(twice.returncode == 2 and "is also in" in twice.stderr, f"an item in two shards is refused: {twice.stderr.strip()}")
    shutil.rmtree(work, ignore_errors=True)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
