#!/usr/bin/env bash
# sanitize.sh — the CI stage after the normal suite (scripts/test.sh calls it): the whole ctest suite built
# with ASan + UBSan in build-asan, then the libFuzzer targets built with clang in build-fuzz and run for a
# bounded time each. Prints the time of every step. Leak checking stays on (see scripts/lsan.supp).
set -euo pipefail
cd "$(dirname "$0")/.."
ASAN_DIR=${ASAN_BUILD_DIR:-build-asan}
FUZZ_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${MOEVK_FUZZ_SECONDS:-60}
JOBS=$(nproc)

step() {  # step NAME COMMAND...: runs it and prints how long it took
  local name=$1 t0=$SECONDS
  shift
  echo "sanitize: $name ..."
  "$@"
  echo "sanitize: $name took $((SECONDS - t0)) s"
}

# quarantine 0: the suite allocates large device-mirroring buffers; keeping freed ones would only cost RAM.
export ASAN_OPTIONS=quarantine_size_mb=0:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp:print_suppressions=0
# Keep the Vulkan driver mapped for the whole process: the loader unloads it at vkDestroyInstance, and
# LeakSanitizer would then neither see the driver's globals nor be able to name its frames.
lvp=$(ls /usr/lib/*/libvulkan_lvp.so 2>/dev/null | head -n1 || true)

asan_suite() {
  cmake -S . -B "$ASAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOEVK_SANITIZE=ON >/dev/null
  cmake --build "$ASAN_DIR" -j "$JOBS"
  # gcc's ASan runtime is a shared library and must come first in the preload list.
  local preload
  preload="$(gcc -print-file-name=libasan.so)${lvp:+:$lvp}"
  # The abi.* tests build outside consumers with the system compiler, which the preloaded ASan runtime would
  # instrument too (reporting the compiler's leaks); they check symbols and packaging, run in the normal stage.
  LD_PRELOAD="$preload" ctest --test-dir "$ASAN_DIR" --output-on-failure -j "$JOBS" --timeout 1800 -E '^abi\.'
}

fuzz_build() {
  CC=clang CXX=clang++ cmake -S . -B "$FUZZ_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMOEVK_BUILD_FUZZERS=ON -DMOEVK_SANITIZE=ON -DMOEVK_BUILD_TESTS=OFF -DMOEVK_BUILD_TOOLS=OFF >/dev/null
  cmake --build "$FUZZ_DIR" -j "$JOBS" --target state_load_fuzz state_load_fuzz_nocheck state_load_fuzz_hybrid_nocheck
}

fuzz_run() {  # fuzz_run TARGET: from the golden snapshots, for FUZZ_SECONDS; a crash or leak fails the stage
  local corpus="$FUZZ_DIR/corpus-$1" log="$FUZZ_DIR/$1.log" rc=0
  mkdir -p "$corpus"
  cp tests/golden/*.mvks "$corpus/"
  rm -f "$FUZZ_DIR/$1-"*
  LD_PRELOAD="$lvp" "$FUZZ_DIR/tests/fuzz/$1" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$FUZZ_DIR/$1-" "$corpus" >"$log" 2>&1 || rc=$?
  grep -E "^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units" "$log" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$log"
    echo "sanitize: $1 failed (exit $rc); failing input, if any: $(ls "$FUZZ_DIR/$1-"* 2>/dev/null || true)"
    return 1
  fi
}

total0=$SECONDS
step "ASan/UBSan build + ctest ($ASAN_DIR)" asan_suite
step "fuzzer build ($FUZZ_DIR)" fuzz_build
step "fuzz state_load_fuzz ${FUZZ_SECONDS}s" fuzz_run state_load_fuzz
step "fuzz state_load_fuzz_nocheck ${FUZZ_SECONDS}s" fuzz_run state_load_fuzz_nocheck
step "fuzz state_load_fuzz_hybrid_nocheck ${FUZZ_SECONDS}s" fuzz_run state_load_fuzz_hybrid_nocheck
echo "sanitize: whole stage took $((SECONDS - total0)) s"
