#!/usr/bin/env bash
# device_ab.sh — A/B timing of several builds on the GPU machine, in one device call: every BIN_DIR (each
# holding moevk-bench, moevk-gen-model and optionally moevk_test_oracle; scripts/device_build.sh makes one)
# is benched in the order given on the same generated model, so pass them interleaved (base new base new):
# the first bench after generating a model runs slow and is no baseline. Prints one line per bench; logs
# under $OUT. Run from the repository root, after the loader setup of docs/PERFORMANCE.md.
#   MODELS="q4_0 hybrid q4_k_m"   Qwen3-30B-A3B-shape (q4_0, q4_k_m), Qwen3.6-35B-A3B-shape (hybrid) or tiny files
#   PROFILE=1                     also a --profile run of the last BIN_DIR per model (per-kernel table)
#   FILTER='-Forward.*'           also the last BIN_DIR's oracle tests with this gtest filter
#   BENCH="--prompt 512 ..."      the moevk-bench arguments
# Usage: scripts/device_ab.sh BIN_DIR...
set -u
out=${OUT:-/tmp/device-ab}
mkdir -p "$out"
last=${!#}
gen=""
for d in "$@"; do [ -x "$d/moevk-gen-model" ] && gen=$d/moevk-gen-model && break; done
[ -n "$gen" ] || { echo "no BIN_DIR holds moevk-gen-model"; exit 2; }
bench_args=${BENCH:---prompt 512 --decode 64 --budgets 100 --modes warm --n-ctx 1024 --no-doc}
t0=$(date +%s)

model_file() {  # name -> generates /tmp/<name>.gguf once; prints its path
    local f=/tmp/ab-$1.gguf
    case $1 in
        q4_0) args=(--preset qwen3-30b-a3b --type q4_0) ;;
        q4_k_m) args=(--preset qwen3-30b-a3b --type q4_k_m) ;;
        hybrid) args=(--preset qwen3.6-35b-a3b --arch qwen35moe --type q4_0) ;;
        tiny) args=(--preset tiny --type q4_0) ;;  # a smoke test of this script on any machine
        *) echo "unknown model $1" >&2; return 1 ;;
    esac
    [ -f "$f" ] || "$gen" "${args[@]}" --out "$f" > "$out/gen-$1.log" 2>&1 || return 1
    echo "$f"
}

i=0
for name in ${MODELS:-q4_0}; do
    f=$(model_file "$name") || { echo "== $name: generation failed (see $out/gen-$name.log)"; continue; }
    for d in "$@"; do
        i=$((i + 1))
        log=$out/$i-$name-$(basename "$d").log
        "$d/moevk-bench" --model "$f" $bench_args > "$log" 2>&1
        echo "== $name $d (exit $?): $(grep -m1 '^warm\|^cold' "$log")"
    done
    if [ "${PROFILE:-0}" = 1 ]; then
        "$last/moevk-bench" --model "$f" $bench_args --profile > "$out/profile-$name.log" 2>&1
        echo "== $name profile $last:"
        # the bench prints the table twice (output and doc section): the first one
        sed -n '/^GPU time/,/^<!--/{/^<!--/q;p}' "$out/profile-$name.log" | grep -v '^| mode\|^|---' | head -24
    fi
    rm -f "$f"  # the next model needs the disk
done
if [ -n "${FILTER:-}" ] && [ -x "$last/moevk_test_oracle" ]; then
    "$last/moevk_test_oracle" --gtest_filter="$FILTER" > "$out/oracle.log" 2>&1
    echo "== oracle $last (exit $?): $(grep -E '^\[  (PASSED|FAILED) ' "$out/oracle.log" | tr '\n' ' ')"
fi
echo "== total $(( $(date +%s) - t0 )) s"
