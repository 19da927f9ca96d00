#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs ctest (GoogleTest now,
# pytest later), then the Cortex-M4 cross build of the firmware.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-debian.sh
bash tools/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
if [ -x firmware_under_test/port/cortex_m4/build.sh ] || [ -f firmware_under_test/port/cortex_m4/build.sh ]; then
  bash firmware_under_test/port/cortex_m4/build.sh
fi
