#!/usr/bin/env bash
# The main job. Until the rig drives firmware (issue 4) it runs the model on
# its own: a 16S 1C discharge from full, trace and summary under reports/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-debian.sh
bash tools/build.sh
mkdir -p reports/out
./build/bin/bmshil pack-discharge --out reports/out/pack_discharge.csv
