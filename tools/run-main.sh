#!/usr/bin/env bash
# The main job: the regression suite (generated checks of every threshold plus
# the hand-written scenarios) against the bundled firmware, twice: under the
# manual's defaults, and under the separating set (values equal at the
# defaults pulled apart, delays and counts moved; `bmshil params
# --separating`), so a firmware that mixes up two parameters the defaults
# make equal is caught. Writes the HTML report (report.html, with its plots
# in plots/), JUnit XML, the JSON result, per-item results and waveforms of
# failures under reports/out/ (defaults) and reports/out/separating/; exits
# non-zero when anything fails.
# Extra arguments go to both runs (e.g. --firmware LIB).
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-debian.sh || exit 3
bash tools/build.sh || exit 3
status=0
run() {  # run OUT_DIR TITLE [suite options...]
  local out=$1 title=$2
  shift 2
  mkdir -p "$out"
  ./build/bin/bmshil suite \
    --html "$out/report.html" --title "$title" \
    --junit "$out/junit.xml" \
    --json "$out/result.json" \
    --vcd "$out/vcd" \
    --results-dir "$out/results" "$@"
  local rc=$?
  # Interrupted (Ctrl-C): the finished results are kept; do not start the next run.
  if [ "$rc" -eq 130 ]; then exit 130; fi
  if [ "$rc" -gt "$status" ]; then status=$rc; fi
}
echo "== the manual's defaults"
run reports/out "the manual's defaults" "$@"
mkdir -p reports/out/separating
./build/bin/bmshil params --separating --out reports/out/separating/params.yaml || exit 3
echo "== the separating set (reports/out/separating/params.yaml)"
run reports/out/separating "the separating set" --params reports/out/separating/params.yaml "$@"
exit "$status"
