#!/usr/bin/env bash
# bench_gpu.sh — the issue 7 benchmark on a GPU machine (the H100 of docs/PERFORMANCE.md), as one script:
# generates the Qwen3-30B-A3B-shape Q4_0 model (and, when the build supports them, the Qwen3.6-35B-A3B shape and a
# Q4_K_M mix) into /tmp, runs moevk-bench of a baseline build and of the current build in the same run (ratios
# are taken between them), and writes logs and the updated PERFORMANCE.md under $OUT.
# Usage: bench_gpu.sh NEW_BIN_DIR [BASE_BIN_DIR]   (each holding moevk-bench and moevk-gen-model)
set -u
new=$1 base=${2:-}
out=${OUT:-/tmp/bench-out}
mkdir -p "$out"
cp docs/PERFORMANCE.md "$out/PERFORMANCE.md"
log() { echo "== $*" | tee -a "$out/summary.txt"; }
run_bench() {  # label bin model args...
    local label=$1 bin=$2 model=$3; shift 3
    log "$label: moevk-bench --model $model $*"
    "$bin/moevk-bench" --model "$model" "$@" > "$out/$label.log" 2>&1
    log "$label: exit $?"
    grep -E '^\| (warm|cold)' "$out/$label.log" | tee -a "$out/summary.txt"
}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee -a "$out/summary.txt"

q=/tmp/qwen3-30b-a3b-q4_0.gguf
/usr/bin/time -f "gen %e s" "$new/moevk-gen-model" --preset qwen3-30b-a3b --type q4_0 --out "$q" 2>&1 | tail -1 | tee -a "$out/summary.txt"
common=(--modes warm --prompt 512 --decode 128 --n-ctx 1024)
if [ -n "$base" ]; then run_bench base-30b "$base" "$q" "${common[@]}" --budgets 100 --no-doc; fi
run_bench new-30b "$new" "$q" "${common[@]}" --budgets 100,25 --doc "$out/PERFORMANCE.md"
run_bench new-30b-profile "$new" "$q" --modes warm --prompt 512 --decode 64 --n-ctx 1024 --budgets 100 --profile --no-doc
rm -f "$q"

if [ "${KQUANT:-1}" = 1 ] && "$new/moevk-gen-model" --help 2>&1 | grep -q q4_k_m; then
    k=/tmp/qwen3-30b-a3b-q4_k_m.gguf
    "$new/moevk-gen-model" --preset qwen3-30b-a3b --type q4_k_m --out "$k" > "$out/gen-q4km.log" 2>&1
    run_bench new-30b-q4km "$new" "$k" "${common[@]}" --budgets 100 --no-doc
    rm -f "$k"
fi
if [ "${HYBRID:-1}" = 1 ]; then
    h=/tmp/qwen3.6-35b-a3b-q4_0.gguf
    "$new/moevk-gen-model" --preset qwen3.6-35b-a3b --arch qwen35moe --type q4_0 --out "$h" > "$out/gen-q36.log" 2>&1
    run_bench new-q36 "$new" "$h" "${common[@]}" --budgets 100,25 --no-doc
    rm -f "$h"
fi
log done
