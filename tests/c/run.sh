#!/usr/bin/env bash
# The C ABI test suite: compiles every tests/c/*_test.c against BUILD_DIR's header and library, runs
# them and the *_test.sh scripts one after another, prints a summary, and fails if any test failed.
#
#   tests/c/run.sh BUILD_DIR [NAME...]     NAME: run only these (e.g. roundtrip_test snapshotctl_test)
#
# Several tests need root (tmpfs mounts, immutable files); these machines run the suite as root.
set -euo pipefail
shopt -s nullglob

BUILD=$(cd "${1:?usage: tests/c/run.sh BUILD_DIR [NAME...]}" && pwd)
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-ctests.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Outer bound per test; each C binary also bounds itself with alarm() (check.h). The fault campaign bounds its
# sample by time (a few minutes), or visits every point with STRESS=1 (hours).
TEST_TIMEOUT_SECONDS=180
timeout_of() {
    case $1 in
        fault_campaign_test) if [ "${STRESS:-}" = 1 ]; then echo 86400; else echo 420; fi ;;
        *) echo "$TEST_TIMEOUT_SECONDS" ;;
    esac
}

CFLAGS=(-std=c11 -O2 -g -Wall -Wextra -Werror -pedantic -pthread -I"$BUILD/include" -I"$HERE")
# --as-needed: a test that only dlopen()s the library (dlopen_test) must not have it loaded already.
LIBS=(-Wl,--as-needed -L"$BUILD/lib" -lsnapshotter -Wl,-rpath,"$BUILD/lib" -ldl)
# Tests that run tools or dlopen the library find them here.
export SNAPSHOTTER_TEST_BUILD_DIR=$BUILD

[ -f "$BUILD/include/snapshotter.h" ] || { echo "run.sh: $BUILD/include/snapshotter.h is missing; run ./build.sh" >&2; exit 1; }
[ -e "$BUILD/lib/libsnapshotter.so" ] || { echo "run.sh: $BUILD/lib/libsnapshotter.so is missing; run ./build.sh" >&2; exit 1; }

SELECTED=("$@")
# wanted NAME: true when no names were given or NAME is one of them.
wanted() {
    [ ${#SELECTED[@]} -eq 0 ] && return 0
    printf '%s\n' "${SELECTED[@]}" | grep -qxF "$1"
}

passed=() failed=()
run_one() {
    local name=$1
    shift
    local log="$WORK/$name.log" start end status=0
    start=$(date +%s.%N)
    timeout --kill-after=10 "$(timeout_of "$name")" "$@" >"$log" 2>&1 || status=$?
    end=$(date +%s.%N)
    local took
    took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    if [ "$status" = 0 ]; then
        printf 'PASS  %-28s %5s s\n' "$name" "$took"
        # A passing test's log stays hidden but for what follows a line "--- summary ---" (its counts).
        awk 'found { print "      " $0 } /^--- summary ---$/ { found = 1 }' "$log"
        passed+=("$name")
    else
        printf 'FAIL  %-28s %5s s  (exit %s)\n' "$name" "$took" "$status"
        sed 's/^/      /' "$log"
        failed+=("$name")
    fi
}

suite_start=$(date +%s.%N)
for src in "$HERE"/*_test.c; do
    name=$(basename "$src" .c)
    wanted "$name" || continue
    if ! gcc "${CFLAGS[@]}" -o "$WORK/$name" "$src" "${LIBS[@]}" 2>"$WORK/$name.cc.log"; then
        printf 'FAIL  %-28s (does not compile)\n' "$name"
        sed 's/^/      /' "$WORK/$name.cc.log"
        failed+=("$name")
        continue
    fi
    run_one "$name" "$WORK/$name"
done
for script in "$HERE"/*_test.sh; do
    name=$(basename "$script" .sh)
    wanted "$name" || continue
    run_one "$name" bash "$script" "$BUILD"
done
suite_end=$(date +%s.%N)

total=$(( ${#passed[@]} + ${#failed[@]} ))
printf '\nC ABI tests: %d passed, %d failed, %s s\n' "${#passed[@]}" "${#failed[@]}" \
    "$(awk -v a="$suite_start" -v b="$suite_end" 'BEGIN { printf "%.1f", b - a }')"
[ "$total" -gt 0 ] || { echo "run.sh: no test matched ${SELECTED[*]}" >&2; exit 1; }
[ ${#failed[@]} -eq 0 ] || { printf 'failed: %s\n' "${failed[*]}"; exit 1; }
