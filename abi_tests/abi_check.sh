#!/usr/bin/env bash
# abi_check.sh CHECK BUILD_DIR STAGE_DIR MODEL — one ABI check against the library installed in STAGE_DIR.
#   install        cmake --install into STAGE_DIR; the layout engine.h / pkg-config / CMake package is there
#   pkgconfig      C99 consumer compiled with `pkg-config --cflags --libs moevk`, run on MODEL
#   cmake_package  the same consumer built by a CMake project with find_package(moevk)
#   dlopen         dlopen libmoevk.so.0 and resolve every name of symbols.txt
#   symbols        exported dynamic symbols == symbols.txt (nothing more, nothing less)
#   abidiff        abidw of the library compared with the committed baseline libmoevk.abi: fails on
#                  incompatible changes. Regenerate the baseline only when a release changes the ABI on purpose.
set -euo pipefail
check=$1 build=$2 stage=$3 model=$4
here=$(cd "$(dirname "$0")" && pwd)
work=$build/abi_work/$check
rm -rf "$work" && mkdir -p "$work"

lib_file() { find "$stage" -name 'libmoevk.so.0' | head -n 1; }

case "$check" in
install)
  rm -rf "$stage"
  cmake --install "$build" --prefix "$stage" >/dev/null
  test -f "$stage/include/moevk/engine.h"
  test -n "$(lib_file)"
  pc=$(find "$stage" -name moevk.pc | head -n 1)
  test -n "$pc"
  grep -q '^Version: [0-9]' "$pc"
  grep -q '^Requires.private:.*vulkan.*libzstd' "$pc"
  test -n "$(find "$stage" -name moevkConfig.cmake)"
  readelf -d "$(lib_file)" | grep -q 'SONAME.*\[libmoevk.so.0\]'
  echo "installed into $stage"
  ;;
pkgconfig)
  export PKG_CONFIG_PATH=$(dirname "$(find "$stage" -name moevk.pc | head -n 1)")
  test "$(pkg-config --modversion moevk)" != ""
  cc -std=c99 -Wall -Wextra -Werror -pedantic "$here/consumer.c" -o "$work/consumer" $(pkg-config --cflags --libs moevk)
  LD_LIBRARY_PATH=$(dirname "$(lib_file)") "$work/consumer" "$model"
  ;;
cmake_package)
  cmake -S "$here/cmake_consumer" -B "$work" -DCMAKE_PREFIX_PATH="$stage" >/dev/null
  cmake --build "$work" >/dev/null
  LD_LIBRARY_PATH=$(dirname "$(lib_file)") "$work/consumer" "$model"
  ;;
dlopen)
  cc -std=c99 -Wall -Wextra -Werror "$here/dlopen_test.c" -o "$work/dlopen_test" -ldl
  "$work/dlopen_test" "$(lib_file)" "$here/symbols.txt"
  ;;
symbols)
  nm -D --defined-only "$(lib_file)" | awk '{print $3}' | sed 's/@.*//' | grep -v '^MOEVK_0$' | sort > "$work/actual.txt"
  grep -v '^#' "$here/symbols.txt" | sed '/^$/d' | sort > "$work/expected.txt"
  if ! diff -u "$work/expected.txt" "$work/actual.txt"; then
    echo "exported symbols differ from abi_tests/symbols.txt (- expected, + actual)"
    exit 1
  fi
  echo "$(wc -l < "$work/actual.txt") exported symbols, all moevk_*"
  ;;
abidiff)
  abidw --no-corpus-path --exported-interfaces-only --headers-dir "$stage/include/moevk" --drop-private-types \
        "$(lib_file)" > "$work/current.abi"
  set +e
  abidiff --exported-interfaces-only --headers-dir1 "$stage/include/moevk" --headers-dir2 "$stage/include/moevk" \
          "$here/libmoevk.abi" "$work/current.abi" > "$work/report.txt"
  rc=$?
  set -e
  cat "$work/report.txt"
  # abidiff exit bits: 1 error, 2 usage, 4 ABI change (e.g. a function added), 8 incompatible change.
  if (( rc & 1 || rc & 2 || rc & 8 )); then
    echo "abidiff: incompatible ABI change or error (exit $rc)"
    exit 1
  fi
  echo "abidiff: compatible (exit $rc)"
  ;;
*)
  echo "unknown check $check"; exit 2 ;;
esac
