#!/usr/bin/env bash
# Cross-builds the firmware core for a Cortex-M4 with -Werror and no heap, and
# prints its flash and RAM use. Fails if the build fails, if malloc or a
# floating-point helper got linked in, or if it does not fit.
# Usage: firmware_under_test/port/cortex_m4/build.sh   (build dir: build/cortex-m4)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
build="${BMS_M4_BUILD_DIR:-$root/build/cortex-m4}"

command -v arm-none-eabi-gcc >/dev/null || { echo "arm-none-eabi-gcc not found (apt install gcc-arm-none-eabi libnewlib-arm-none-eabi)" >&2; exit 1; }

cmake -S "$here" -B "$build" \
  -DCMAKE_TOOLCHAIN_FILE="$here/toolchain-arm-none-eabi.cmake" \
  -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
cmake --build "$build" -j"${BMS_M4_JOBS:-1}"

elf="$build/bms_firmware.elf"
[ -f "$elf" ] || { echo "no $elf" >&2; exit 1; }

# No heap, no floating point.
syms=$(arm-none-eabi-nm "$elf")
if grep -qE ' (malloc|_malloc_r|calloc|realloc|free)$' <<<"$syms"; then
  echo "error: the heap is linked in" >&2; exit 1
fi
if grep -qE ' __aeabi_(f|d)[a-z0-9]+$| __(add|sub|mul|div)(s|d)f3$' <<<"$syms"; then
  echo "error: floating-point helpers are linked in:" >&2
  grep -E ' __aeabi_(f|d)[a-z0-9]+$| __(add|sub|mul|div)(s|d)f3$' <<<"$syms" >&2
  exit 1
fi

read -r text data bss _ < <(arm-none-eabi-size --format=berkeley "$elf" | tail -n 1)
flash=$((text + data))
ram=$((data + bss))
ctx_hex=$(arm-none-eabi-nm -S "$elf" | awk '$4 == "ctx" { print $2 }')
ctx=$([ -n "$ctx_hex" ] && printf '%d' "0x$ctx_hex" || echo "?")
echo "cortex-m4 firmware: $elf"
echo "flash: $flash bytes (text $text + data $data) of 524288"
echo "ram:   $ram bytes static (data $data + bss $bss; context struct $ctx bytes) of 131072, plus a 4096-byte stack reserve"
