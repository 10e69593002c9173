#!/usr/bin/env bash
# Benchmarks libsnapshotter side by side with reference tools in one run, and reports ratios
# (ours / reference; lower is faster for us). Absolute times on shared machines are noise; ratios
# taken minutes apart on the same disk are not.
#
#   bench/run.sh BUILD_DIR
#
# Environment: BENCH_FILE_MIB (size of the dense file, default 1024), BENCH_ROUNDS (default 3).
set -euo pipefail

BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CTL=$BUILD/bin/snapshotctl
FILE_MIB=${BENCH_FILE_MIB:-1024}
ROUNDS=${BENCH_ROUNDS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# best_of N CMD...: the fastest of N runs of CMD, in seconds; `prepare` (if defined) runs before each.
best_of() {
    local n=$1 best="" start end t
    shift
    for _ in $(seq "$n"); do
        if declare -F prepare >/dev/null; then prepare; fi
        start=$EPOCHREALTIME
        "$@" >/dev/null
        end=$EPOCHREALTIME
        t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')
        if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
    done
    echo "$best"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g ? "met" : "NOT met") }'; }
row() { printf '| %-44s | %12s | %12s | %6s | %-9s |\n' "$@"; }

log "building the hash benchmark (Native AOT, as the library is compiled)"
dotnet publish "$HERE/HashBench" -c Release -o "$BUILD/obj/hashbench" -nologo -v quiet >/dev/null
HASHBENCH=$BUILD/obj/hashbench/HashBench

xxhsum_mbps() { # SIZE_ARG: the XXH3-64 MB/s xxhsum reports for that sample size
    xxhsum -b5 -i5 -q ${1:+-B$1} 2>&1 | tr '\r' '\n' | sed -n 's/.*(\s*\([0-9.]*\) MB\/s).*/\1/p' | tail -1
}

log "XXH3-64 throughput, 100 KB (in cache) and 64 MiB (from memory)"
ours_small=$("$HASHBENCH" 102400 | awk '{ print $2 }')
ref_small=$(xxhsum_mbps "")
ours_large=$("$HASHBENCH" 67108864 | awk '{ print $2 }')
ref_large=$(xxhsum_mbps 64M)

log "generating a ${FILE_MIB} MiB file of random data"
mkdir -p "$WORK/src"
head -c $((FILE_MIB * 1024 * 1024)) /dev/urandom > "$WORK/src/dense.bin"
cat "$WORK/src/dense.bin" > /dev/null

copy_plain() { cp "$WORK/src/dense.bin" "$WORK/copy.bin"; }
copy_synced() { cp "$WORK/src/dense.bin" "$WORK/copy.bin" && sync "$WORK/copy.bin"; }
snapshot() { "$CTL" --root "$WORK/root" snapshot --name bench --version v1 --base-dir "$WORK/src" --rw dense.bin; }
restore() { "$CTL" --root "$WORK/root" restore --name bench --version v1 --output-dir "$WORK/out"; }

log "snapshot and restore of ${FILE_MIB} MiB beside cp (best of $ROUNDS)"
prepare() { rm -rf "$WORK/copy.bin"; }
t_cp=$(best_of "$ROUNDS" copy_plain)
t_cp_sync=$(best_of "$ROUNDS" copy_synced)
prepare() { rm -rf "$WORK/root"; }
t_snapshot=$(best_of "$ROUNDS" snapshot)
prepare() { rm -rf "$WORK/out"; }
t_restore=$(best_of "$ROUNDS" restore)
cmp "$WORK/src/dense.bin" "$WORK/out/dense.bin"
unset -f prepare

echo
row "measurement" "ours" "reference" "ratio" "goal"
row "--------------------------------------------" "------------" "------------" "------" "---------"
row "XXH3-64, 100 KB, MB/s (xxhsum -b)" "$ours_small" "$ref_small" "$(ratio "$ours_small" "$ref_small")" ">= 0.8 $(awk -v r="$(ratio "$ours_small" "$ref_small")" 'BEGIN { print (r >= 0.8 ? "met" : "NOT met") }')"
row "XXH3-64, 64 MiB, MB/s (xxhsum -b -B64M)" "$ours_large" "$ref_large" "$(ratio "$ours_large" "$ref_large")" ">= 0.8 $(awk -v r="$(ratio "$ours_large" "$ref_large")" 'BEGIN { print (r >= 0.8 ? "met" : "NOT met") }')"
r=$(ratio "$t_snapshot" "$t_cp")
row "snapshot ${FILE_MIB} MiB vs cp, s" "$t_snapshot" "$t_cp" "$r" "<= 1.3 $(verdict "$r" 1.3)"
r=$(ratio "$t_snapshot" "$t_cp_sync")
row "snapshot ${FILE_MIB} MiB vs cp + sync FILE, s" "$t_snapshot" "$t_cp_sync" "$r" "(durable)"
r=$(ratio "$t_restore" "$t_cp")
row "restore ${FILE_MIB} MiB vs cp, s" "$t_restore" "$t_cp" "$r" "<= 1.2 $(verdict "$r" 1.2)"
r=$(ratio "$t_restore" "$t_cp_sync")
row "restore ${FILE_MIB} MiB vs cp + sync FILE, s" "$t_restore" "$t_cp_sync" "$r" "(durable)"
echo
echo "Snapshot and restore make their output durable (syncfs) before returning; plain cp does not,"
echo "which is why both comparisons are shown. $(nproc) cores, $(df -T "$WORK" | awk 'NR==2 { print $2 }') at $WORK."
