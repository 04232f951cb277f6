#!/usr/bin/env bash
# test.sh — set up, build, and run the whole test suite (unit, format, kernel oracle, whole-model, API and
# ABI tests) with ctest on the Vulkan device of this machine (lavapipe in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
# In CI a missing Vulkan device fails the GPU tests instead of skipping them.
export MOEVK_REQUIRE_DEVICE=${MOEVK_REQUIRE_DEVICE:-${CI:-false}}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 1200
# Then the sanitizer stage: the same suite under ASan/UBSan and the fuzzers for a bounded time
# (scripts/sanitize.sh; MOEVK_SKIP_SANITIZE=1 skips it for a quick local run).
if [ "${MOEVK_SKIP_SANITIZE:-0}" != 1 ]; then
  bash scripts/sanitize.sh
fi
