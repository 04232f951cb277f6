#!/usr/bin/env bash
# setup.sh — installs what a fresh Debian bookworm machine lacks (apt) and builds moevk into ./build
# (Release with debug info), including the embedded default model build/models/default.gguf.
# Used by scripts/run.sh and scripts/test.sh; safe to run again (installs and builds only what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ pkg-config libvulkan-dev glslang-tools mesa-vulkan-drivers libzstd-dev
          libxxhash-dev libpcre2-dev libgtest-dev abigail-tools python3
          clang libclang-rt-14-dev)  # clang + compiler-rt: the libFuzzer targets of scripts/sanitize.sh
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX="$PWD/$BUILD_DIR/stage" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
