#!/usr/bin/env bash
# The benchmark harness at tiny sizes, one round, so it cannot rot between benchmark runs: checks that
# every case ran every tool, that results.md and results.json are complete and well-formed, and that the
# chart results.svg is well-formed XML with one bar per ratio. Times are not checked: performance is judged
# only by `./build.sh bench`.
#
#   bench/smoke_test.sh BUILD_DIR
set -euo pipefail

BUILD=$(cd "${1:?usage: bench/smoke_test.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-bench-smoke.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

fail() { printf 'bench smoke test: %s\n' "$*" >&2; exit 1; }

# The containerd case needs root; as root it must run.
containerd=0
[ "$(id -u)" != 0 ] || containerd=1
if ! BENCH_SMOKE=1 BENCH_CONTAINERD=$containerd BENCH_OUT="$OUT" "$HERE/run.sh" "$BUILD" >"$OUT/run.log" 2>&1; then
    cat "$OUT/run.log" >&2
    fail "bench/run.sh failed"
fi
JSON=$OUT/results.json MD=$OUT/results.md SVG=$OUT/results.svg
[ -s "$JSON" ] && [ -s "$MD" ] && [ -s "$SVG" ] || fail "bench/run.sh wrote no results.json, results.md or results.svg into BENCH_OUT"
jq empty "$JSON" || fail "results.json is not well-formed JSON"

# A jq expression that must be true of results.json.
check() {
    [ "$(jq "$1" "$JSON")" = true ] || fail "results.json: expected $1"
}
check '.smoke == true and .settings.rounds == 1 and .settings.slow_rounds == 1 and .settings.changed_files > 0
    and .settings.few_files > 0 and .settings.most_files > 0 and .settings.most_file_bytes > 0
    and .settings.dense_smaller_mib > 0
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
    "incremental|restore new version over the old|rsync -a + sync -f"
    "xxh3|hash the cached dense file|HashBench --file" "xxh3|hash the cached dense file|xxhsum -H3"
)
for case in few_files most_files; do
    for operation in snapshot restore; do
        expected_measurements+=("$case|$operation|snapshotctl" "$case|$operation|cp -a + sync -f")
    done
    expected_measurements+=("$case|snapshot|restic backup" "$case|snapshot 1 % changed|snapshotctl")
done
expected_measurements+=("dense_smaller|snapshot|snapshotctl" "dense_smaller|snapshot|cp -a + sync -f")
if [ "$containerd" = 1 ]; then
    check '.settings.containerd == true and .settings.containerd_files > 0 and .settings.containerd_changed_files > 0'
    for tool in "ctr + libsnapshotter" "ctr + overlayfs"; do
        for operation in "first commit" "prepare from the committed tree" "second commit (1 % changed)"; do
            expected_measurements+=("containerd|$operation|$tool")
        done
    done
fi
measured=$(jq -r '.measurements[] | "\(.case)|\(.operation)|\(.tool)"' "$JSON")
for key in "${expected_measurements[@]}"; do
    grep -qxF "$key" <<<"$measured" || fail "results.json has no measurement $key"
done

# Every goal of the benchmark issue must be judged: "case|comparison|goal".
expected_goals=(
    "vm|snapshot vs cp -a --sparse=always|1.2" "vm|restore read-only memory.bin vs cp -al|2"
    "vm|restore writable disk.img vs cp -a|1.2"
    "dense|snapshot vs cp -a|1.3" "dense|restore vs cp -a|1.2" "dense|snapshot vs cp -a + sync -f (durable)|0.8"
    "dense_smaller|snapshot vs cp -a + sync -f (durable)|0.8"
    "files|snapshot vs cp -a|1.3" "files|restore vs cp -a|1.2"
    "incremental|snapshot unchanged tree vs first snapshot of the tree|0.1"
    "incremental|snapshot unchanged tree vs rsync -a|1"
    "incremental|snapshot 1 % changed vs restic backup|0.2" "incremental|restore new version vs restic restore|0.2"
    "incremental|restore new version over the old, in place, vs rsync -a|1"
)
for case in vm dense; do
    expected_goals+=("$case|snapshot vs restic backup|0.2")
done
for case in vm files dense; do
    expected_goals+=("$case|restore vs restic restore|0.2")
done
for case in few_files files most_files; do
    expected_goals+=("$case|snapshot vs cp -a + sync -f (durable)|1" "$case|snapshot vs restic backup|0.5")
done
for case in vm few_files files most_files dense dense_smaller incremental; do
    expected_goals+=("$case|peak memory of snapshotctl, largest in this case|1")
done
[ "$containerd" = 0 ] || expected_goals+=("containerd|prepare vs overlayfs|1.2" "containerd|second commit vs first commit|0.1")
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

# results.svg: well-formed, linked from results.md, one bar per ratio and one goal marker per ratio with a
# goal, each bar's class and text giving its verdict.
grep -qF '(results.svg)' "$MD" || fail "results.md does not link the chart results.svg"
xmllint --noout "$SVG" || fail "results.svg is not well-formed XML"
svg_count() { xmllint --xpath "count($1)" "$SVG"; }
bar="//*[local-name()='rect'][contains(concat(' ', @class, ' '), ' bar ')]"
bars=$(svg_count "$bar")
ratios=$(jq '[.comparisons[] | select(.ratio != null)] | length' "$JSON")
[ "$bars" = "$ratios" ] || fail "results.svg has $bars bars for the $ratios ratios of results.json"
markers=$(svg_count "//*[local-name()='line'][@class='goal']")
goals=$(jq '[.comparisons[] | select(.ratio != null and .goal != null)] | length' "$JSON")
[ "$markers" = "$goals" ] || fail "results.svg has $markers goal markers for the $goals ratios with a goal"
for verdict in met not-met context; do
    drawn=$(svg_count "$bar[contains(concat(' ', @class, ' '), ' $verdict ')]")
    expected=$(jq --arg verdict "$verdict" '[.comparisons[] | select(.ratio != null)
        | select((if .met == null then "context" elif .met then "met" else "not-met" end) == $verdict)] | length' "$JSON")
    [ "$drawn" = "$expected" ] || fail "results.svg has $drawn bars of class $verdict, results.json $expected"
done
texts=$(svg_count "//*[local-name()='text'][contains(., 'NOT met')]")
not_met=$(jq '[.comparisons[] | select(.met == false)] | length' "$JSON")
# The legend says "goal NOT met" once besides the bars' own texts.
[ "$texts" = $((not_met + 1)) ] || fail "results.svg says 'NOT met' $texts times for $not_met goals not met (and the legend)"

echo "bench smoke test: every case ran; results.md, results.json and the chart results.svg are complete and well-formed"
