#!/usr/bin/env bash
# Installs every Debian 12 package bms-hil needs. Idempotent; run as root.
# Only Debian's registry is used (no PyPI): Python packages come as python3-*.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libsystemc-dev libeigen3-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libmodbus-dev libzmq3-dev cppzmq-dev
  pybind11-dev python3-pybind11 python3-dev python3-pytest python3-pytest-xdist python3-numpy python3-zmq python3-msgpack python3-serial
  mbpoll python3-pymodbus python3-serial-asyncio socat
  gcc-arm-none-eabi libnewlib-arm-none-eabi
  chromium gtkwave
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or install them) and try again" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
