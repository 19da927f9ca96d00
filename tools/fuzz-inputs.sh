#!/usr/bin/env bash
# libFuzzer (Debian's clang) with ASan and UBSan over the rig's input parsers:
# scenario files and parameter files (tests/rig/fuzz/fuzz_inputs.cpp). The seed
# corpus is every bundled scenario and a parameter file of every profile.
# Usage: tools/fuzz-inputs.sh [seconds]   (default 60; prints the execution count)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out="${BMSHIL_FUZZ_DIR:-build/fuzz-inputs}"
mkdir -p "$out/corpus" "$out/seeds"
command -v clang++ >/dev/null || { echo "clang++ not found (apt install clang libclang-rt-14-dev)" >&2; exit 1; }
bin="$out/fuzz_inputs"
sources=(tests/rig/fuzz/fuzz_inputs.cpp rig/scenario/scenario_parser.cpp rig/scenario/expression.cpp
         rig/yaml/guarded_load.cpp rig/oracle/spec.cpp rig/oracle/catalog.cpp rig/oracle/csv_table.cpp
         rig/oracle/parameter_file.cpp)
newest=$(ls -t "${sources[@]}" rig/scenario/*.h rig/oracle/*.h rig/yaml/*.h | head -n 1)
if [ ! -x "$bin" ] || [ "$newest" -nt "$bin" ]; then
  clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DBMSHIL_SPEC_DIR="\"$PWD/spec\"" -Irig "${sources[@]}" -lyaml-cpp -o "$bin"
fi
# Seeds: the first byte picks the parser (odd: scenario, even: parameter file).
k=0
for f in scenarios/*.yaml; do
  { printf '\001'; cat "$f"; } > "$out/seeds/scenario_$k"; k=$((k + 1))
done
./build/bin/bmshil params --separating > "$out/params.yaml" 2>/dev/null && { printf '\000'; cat "$out/params.yaml"; } > "$out/seeds/params_separating"
./build/bin/bmshil params --random --seed 3 > "$out/params.yaml" 2>/dev/null && { printf '\000'; cat "$out/params.yaml"; } > "$out/seeds/params_random3"
status=0
"$bin" -max_total_time="$seconds" -seed=1 -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" "$out/seeds" > "$out/last_run.log" 2>&1 || status=$?
grep -E "^(stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|.*deadly signal|.*uncaught exception)" "$out/last_run.log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz-inputs: the fuzzer stopped with status $status; the input is under $out/ (crash-*, timeout-*, oom-*)" >&2
  tail -n 30 "$out/last_run.log" >&2
fi
exit "$status"
