#!/usr/bin/env bash
# run.sh — set up, build, and run a greedy generation on the embedded default model (a tiny qwen3moe
# written at build time). MOEVK_DEVICE picks the Vulkan device (index or name substring).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
exec "$BUILD_DIR/examples_c/moevk-generate" "$BUILD_DIR/models/default.gguf" 32
