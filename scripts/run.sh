#!/usr/bin/env bash
# run.sh — set up, build, and run the moevk CLI on the embedded default model (a tiny qwen3moe with random
# weights, written at build time): text in, text out. MOEVK_DEVICE picks the Vulkan device (index or name
# substring); PROMPT and N_PREDICT change the prompt and length; further arguments go to `moevk run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
exec "$BUILD_DIR/tools/cli/moevk" run -m "$BUILD_DIR/models/default.gguf" \
  -p "${PROMPT:-The quick brown fox jumps over the lazy dog. 今天天气很好}" -n "${N_PREDICT:-64}" "$@"
