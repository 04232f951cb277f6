#!/usr/bin/env bash
# device_build.sh — builds (Release, here) the binaries an A/B run on the GPU machine needs and copies them,
# stripped, into DIR (scripts/device_ab.sh DIR...): moevk-bench, moevk-gen-model, moevk_test_oracle. The
# SPIR-V is embedded, so DIR is all that travels (with the Vulkan loader debs; docs/PERFORMANCE.md).
# Usage: scripts/device_build.sh DIR [BUILD_DIR]   (BUILD_DIR default build-release)
set -eu
dir=$1 build=${2:-build-release}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" --target moevk-bench moevk-gen-model moevk_test_oracle
mkdir -p "$dir"
cp "$build/tools/moevk-bench" "$build/tools/moevk-gen-model" "$build/tests/moevk_test_oracle" "$dir/"
strip "$dir"/*
du -sh "$dir"
