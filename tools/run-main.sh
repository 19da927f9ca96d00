#!/usr/bin/env bash
# The main job: the regression suite (generated checks of every threshold plus
# the hand-written scenarios) against the bundled firmware. Writes JUnit XML,
# the JSON result, per-item results and waveforms of failures under
# reports/out/; exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-debian.sh
bash tools/build.sh
mkdir -p reports/out
exec ./build/bin/bmshil suite \
  --junit reports/out/junit.xml \
  --json reports/out/result.json \
  --vcd reports/out/vcd \
  --results-dir reports/out/results "$@"
