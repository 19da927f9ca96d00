#!/usr/bin/env bash
# Optional: libFuzzer (clang) over the Modbus frame parser with ASan and UBSan.
# Usage: firmware_under_test/tools/run_libfuzzer.sh [seconds]   (default 60)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="${BMS_FUZZ_DIR:-$here/../build/fuzz}"
mkdir -p "$out/corpus"
clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$here/core" "$here"/core/*.c "$here/tools/fuzz_modbus.c" -o "$out/fuzz_modbus"
"$out/fuzz_modbus" -max_total_time="${1:-60}" -seed=1 -artifact_prefix="$out/" "$out/corpus"
