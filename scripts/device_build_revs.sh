#!/usr/bin/env bash
# device_build_revs.sh — scripts/device_build.sh for several commits at once: NAME=REV builds commit REV in a
# git worktree under /tmp (its own Release build folder, kept for the next call) and copies the stripped
# binaries to devbin/NAME, ready for scripts/device_ab.sh devbin/NAME ... The working tree is not touched.
# The device call carries at most 64 MiB: about six such folders next to .gl.
# Usage: scripts/device_build_revs.sh base=b3ffa4f combine=f6ed0ed ...
set -eu
cd "$(dirname "$0")/.."
root=$PWD
for spec in "$@"; do
    name=${spec%%=*} rev=${spec#*=}
    [ -n "$name" ] && [ "$name" != "$spec" ] || { echo "expected NAME=REV, got $spec" >&2; exit 2; }
    tree=/tmp/moevk-rev-$name
    if [ -d "$tree" ]; then
        git -C "$tree" checkout -q --detach "$rev"
    else
        git worktree add -q --detach "$tree" "$rev"
    fi
    echo "== $name: $(git -C "$tree" log --oneline -1)"
    (cd "$tree" && scripts/device_build.sh "$root/devbin/$name" build-release > "$tree/device-build.log" 2>&1) ||
        { echo "build of $name failed: $tree/device-build.log" >&2; exit 1; }
done
du -sh devbin/* | cat
