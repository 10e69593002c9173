#!/usr/bin/env bash
# The benchmark harness at tiny sizes, one round, so it cannot rot between benchmark runs: checks that
# every case ran every tool and that results.md and results.json are complete and well-formed. Times are
# not checked: performance is judged only by `./build.sh bench`.
#
#   bench/smoke_test.sh BUILD_DIR
set -euo pipefail

BUILD=$(cd "${1:?usage: bench/smoke_test.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-bench-smoke.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

fail() { printf 'bench smoke test: %s\n' "$*" >&2; exit 1; }

if ! BENCH_SMOKE=1 BENCH_OUT="$OUT" "$HERE/run.sh" "$BUILD" >"$OUT/run.log" 2>&1; then
    cat "$OUT/run.log" >&2
    fail "bench/run.sh failed"
fi
JSON=$OUT/results.json MD=$OUT/results.md
[ -s "$JSON" ] && [ -s "$MD" ] || fail "bench/run.sh wrote no results.json or results.md into BENCH_OUT"
jq empty "$JSON" || fail "results.json is not well-formed JSON"

# A jq expression that must be true of results.json.
check() {
    [ "$(jq "$1" "$JSON")" = true ] || fail "results.json: expected $1"
}
check '.smoke == true and .settings.rounds == 1 and .settings.slow_rounds == 1 and .settings.changed_files > 0
    and (.duration_seconds | type) == "number"'
check '(.machine.cores | type) == "number" and (.machine.filesystem | length) > 0 and (.machine.kernel | length) > 0
    and (.machine.load_average_start | length) > 0'
check '([.versions[] | length > 0] | all) and (.versions | length) == 6'
check 'all(.measurements[]; (.seconds > 0) and (.max_rss_kib > 0) and (.rounds == 1))'
check 'all(.comparisons[]; (.ours > 0) and (.reference > 0) and ((.ratio | type) == "number")
    and ((.goal == null) == (.met == null)) and (.better == "lower" or .better == "higher"))'

# Every measurement each case must have made: "case|operation|tool".
expected_measurements=()
for case in vm files dense; do
    rsync=$([ "$case" = vm ] && echo "rsync -aS" || echo "rsync -a")
    for operation in snapshot restore; do
        for tool in snapshotctl "cp -a" "cp -a + sync -f" "$rsync"; do
            expected_measurements+=("$case|$operation|$tool")
        done
        # cp --sparse=always is measured only where there are holes.
        [ "$case" != vm ] || expected_measurements+=("$case|$operation|cp -a --sparse=always")
    done
    expected_measurements+=("$case|snapshot|restic backup" "$case|restore|restic restore")
done
expected_measurements+=(
    "vm|restore read-only memory.bin|snapshotctl" "vm|restore read-only memory.bin|cp -al"
    "vm|restore writable disk.img|snapshotctl" "vm|restore writable disk.img|cp -a"
    "vm|restore writable disk.img|cp -a + sync -f"
    "incremental|snapshot unchanged tree|snapshotctl" "incremental|snapshot unchanged tree|rsync -a"
    "incremental|snapshot unchanged tree|restic backup"
    "incremental|snapshot 1 % changed|snapshotctl" "incremental|snapshot 1 % changed|rsync -a"
    "incremental|snapshot 1 % changed|restic backup"
    "incremental|restore new version|snapshotctl" "incremental|restore new version|cp -a"
    "incremental|restore new version|restic restore"
    "incremental|restore new version over the old|snapshotctl --in-place"
    "incremental|restore new version over the old|rsync -a"
    "xxh3|hash the cached dense file|HashBench --file" "xxh3|hash the cached dense file|xxhsum -H3"
)
measured=$(jq -r '.measurements[] | "\(.case)|\(.operation)|\(.tool)"' "$JSON")
for key in "${expected_measurements[@]}"; do
    grep -qxF "$key" <<<"$measured" || fail "results.json has no measurement $key"
done

# Every goal of the benchmark issue must be judged: "case|comparison|goal".
expected_goals=(
    "vm|snapshot vs cp -a --sparse=always|1.2" "vm|restore read-only memory.bin vs cp -al|1.5"
    "vm|restore writable disk.img vs cp -a|1.2"
    "dense|snapshot vs cp -a|1.3" "dense|restore vs cp -a|1.2"
    "files|snapshot vs cp -a|1.3" "files|restore vs cp -a|1.2"
    "incremental|snapshot unchanged tree vs first snapshot of the tree|0.1"
    "incremental|snapshot 1 % changed vs restic backup|0.2" "incremental|restore new version vs restic restore|0.2"
)
for case in vm files dense; do
    expected_goals+=("$case|snapshot vs restic backup|0.2" "$case|restore vs restic restore|0.2")
done
for case in vm files dense incremental; do
    expected_goals+=("$case|peak memory of snapshotctl, largest in this case|1")
done
judged=$(jq -r '.comparisons[] | select(.goal != null) | "\(.case)|\(.comparison)|\(.goal)"' "$JSON")
for goal in "${expected_goals[@]}"; do
    grep -qxF "$goal" <<<"$judged" || fail "results.json does not judge the goal $goal"
done
[ "$(jq '[.comparisons[] | select(.case == "xxh3" and .goal == 0.8)] | length' "$JSON")" = 2 ] \
    || fail "results.json does not judge both XXH3 throughput goals"

# results.md: the machine, the versions, and one table row per comparison, with its verdict.
grep -q '^- Machine: [0-9]* cores' "$MD" || fail "results.md does not give the core count"
grep -q "^- Work directory's filesystem: " "$MD" || fail "results.md does not give the filesystem"
grep -q '^- Versions: .*restic' "$MD" || fail "results.md does not give the tools' versions"
while IFS=$'\t' read -r what verdict; do
    grep -qF "| $what |" "$MD" || fail "results.md has no row for '$what'"
    grep -F "| $what |" "$MD" | grep -qF "| $verdict |" || fail "results.md's row for '$what' lacks its verdict '$verdict'"
done < <(jq -r '.comparisons[] | [.comparison, (if .met == null then "-" elif .met then "met" else "NOT met" end)] | @tsv' "$JSON")
rows=$(grep -c '^| ' "$MD")
results=$(jq '(.comparisons | length) + (.measurements | length)' "$JSON")
[ "$rows" -ge "$results" ] \
    || fail "results.md has fewer table rows ($rows) than results.json has comparisons and measurements"

echo "bench smoke test: every case ran; results.md and results.json are complete and well-formed"
