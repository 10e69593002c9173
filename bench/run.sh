#!/usr/bin/env bash
# Benchmarks libsnapshotter (through snapshotctl, embedded mode) side by side with the tools users would
# otherwise use, in one run on one disk, and reports ratios ours / reference: absolute times on shared
# machines are noise, ratios of runs taken minutes apart on the same disk much less so.
#
#   bench/run.sh BUILD_DIR
#
# Writes results.md (tables), results.json (the same data) and results.svg (the ratios against their goals as
# a chart, drawn by bench/chart.sh) into BENCH_OUT (default: bench/).
# Environment (defaults in brackets):
#   BENCH_ROUNDS [3]            runs of each measurement; the fastest counts
#   BENCH_SLOW_ROUNDS [1]       runs of each restic measurement and of rsync on a whole data set: these take
#                               5-50x as long as ours, so the noise of one run cannot change a verdict
#   BENCH_VM_MEMORY_MIB [4096]  VM checkpoint: sparse, read-only memory file, 25 % data in 1 MiB runs
#   BENCH_VM_DISK_MIB [8192]    VM checkpoint: sparse, writable disk image, 10 % data in 64 KiB runs
#   BENCH_FILES [20000]         many small files: count (1-64 KiB each, 100 to a directory), measured against
#                               every tool, then as new versions (the incremental case)
#   BENCH_FEW_FILES [5000]      fewer small files (1-64 KiB each): snapshot and restore against a durable copy
#                               and restic
#   BENCH_MOST_FILES [100000]   the most small files, BENCH_MOST_FILE_BYTES each: measured as BENCH_FEW_FILES
#   BENCH_MOST_FILE_BYTES [512] their size: small, so the default run stays within 15 minutes
#   BENCH_CHANGED_PERCENT [1]   incremental: share of those files rewritten for the new version
#   BENCH_DENSE_MIB [2048]      one dense file of random data
#   BENCH_DENSE_SMALLER_MIB [1024]  a second, smaller one: its snapshot against a durable copy only
#   BENCH_CONTAINERD [1]        0 skips the containerd case, which needs root (mounts and a containerd daemon)
#   BENCH_CONTAINERD_FILES [2000]  containerd: files of the tree committed, prepared and committed again
#   BENCH_CONTAINERD_MIB [1024]    containerd: their total size
#   BENCH_TMPDIR [BUILD_DIR]    where the temporary work directory goes (not tmpfs: that measures memory)
#   BENCH_DROP_CACHES [0]       1: drop the page cache before every timed run (root only; cold reads)
#   BENCH_SMOKE [0]             1: tiny sizes and one round, to check the harness itself; needs BENCH_OUT
#   BENCH_OUT [bench/]          directory for results.md and results.json
set -euo pipefail

BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CTL=$BUILD/bin/snapshotctl
MiB=$((1024 * 1024))

log() { printf '\033[1m==> [%4d s] %s\033[0m\n' "$SECONDS" "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
    [ -n "${BENCH_OUT:-}" ] || die "BENCH_SMOKE=1 needs BENCH_OUT: smoke numbers must not replace bench/results.*"
    defaults=(1 1 16 32 300 1 16 100 600 512 8 40 8)
else
    defaults=(3 1 4096 8192 20000 1 2048 5000 100000 512 1024 2000 1024)
fi
ROUNDS=${BENCH_ROUNDS:-${defaults[0]}}
SLOW_ROUNDS=${BENCH_SLOW_ROUNDS:-${defaults[1]}}
VM_MEMORY_MIB=${BENCH_VM_MEMORY_MIB:-${defaults[2]}}
VM_DISK_MIB=${BENCH_VM_DISK_MIB:-${defaults[3]}}
FILE_COUNT=${BENCH_FILES:-${defaults[4]}}
CHANGED_PERCENT=${BENCH_CHANGED_PERCENT:-${defaults[5]}}
DENSE_MIB=${BENCH_DENSE_MIB:-${defaults[6]}}
FEW_FILE_COUNT=${BENCH_FEW_FILES:-${defaults[7]}}
MOST_FILE_COUNT=${BENCH_MOST_FILES:-${defaults[8]}}
MOST_FILE_BYTES=${BENCH_MOST_FILE_BYTES:-${defaults[9]}}
DENSE_SMALLER_MIB=${BENCH_DENSE_SMALLER_MIB:-${defaults[10]}}
CONTAINERD_FILES=${BENCH_CONTAINERD_FILES:-${defaults[11]}}
CONTAINERD_MIB=${BENCH_CONTAINERD_MIB:-${defaults[12]}}
CONTAINERD=${BENCH_CONTAINERD:-1}
DROP_CACHES=${BENCH_DROP_CACHES:-0}
OUT_DIR=${BENCH_OUT:-$HERE}
for setting in BENCH_ROUNDS:ROUNDS BENCH_SLOW_ROUNDS:SLOW_ROUNDS BENCH_VM_MEMORY_MIB:VM_MEMORY_MIB \
    BENCH_VM_DISK_MIB:VM_DISK_MIB BENCH_FILES:FILE_COUNT BENCH_CHANGED_PERCENT:CHANGED_PERCENT BENCH_DENSE_MIB:DENSE_MIB \
    BENCH_FEW_FILES:FEW_FILE_COUNT BENCH_MOST_FILES:MOST_FILE_COUNT BENCH_MOST_FILE_BYTES:MOST_FILE_BYTES \
    BENCH_DENSE_SMALLER_MIB:DENSE_SMALLER_MIB BENCH_CONTAINERD_FILES:CONTAINERD_FILES BENCH_CONTAINERD_MIB:CONTAINERD_MIB; do
    variable=${setting#*:}
    [[ ${!variable} =~ ^[1-9][0-9]*$ ]] || die "${setting%%:*} must be a positive integer, got '${!variable}'"
done
[ "$CHANGED_PERCENT" -le 100 ] || die "BENCH_CHANGED_PERCENT must be at most 100, got $CHANGED_PERCENT"
case "$CONTAINERD" in
    0) ;;
    1) [ "$(id -u)" = 0 ] || die "the containerd case needs root (mounts and a containerd daemon): run as root, or set BENCH_CONTAINERD=0 to skip it" ;;
    *) die "BENCH_CONTAINERD must be 0 or 1, got '$CONTAINERD'" ;;
esac
if [ "$DROP_CACHES" = 1 ] && [ "$(id -u)" != 0 ]; then
    die "BENCH_DROP_CACHES=1 needs root (it writes /proc/sys/vm/drop_caches)"
fi
for tool in "$CTL" /usr/bin/time; do
    [ -x "$tool" ] || die "$tool is missing (run through ./build.sh bench, which builds and installs it)"
done
containerd_tools=()
[ "$CONTAINERD" = 0 ] || containerd_tools=(containerd ctr go)
for tool in cp rsync restic xxhsum gcc dotnet jq "${containerd_tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (./build.sh bench installs what it needs)"
done
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

PARENT=${BENCH_TMPDIR:-$BUILD}
mkdir -p "$PARENT"
FS_TYPE=$(stat -f -c %T "$PARENT")
case "$FS_TYPE" in
    tmpfs | ramfs) die "$PARENT is on $FS_TYPE, which would measure memory, not a disk: set BENCH_TMPDIR to a directory on disk" ;;
esac

# Disk the largest case needs at once: its source, our store, a kept copy, a second copy, a restic
# repository (and, for the incremental case, a copy of it) and a restored tree, which restic writes
# without holes. The many-file cases keep every round's output until the run ends (see clear_path), so
# theirs add up: 9 trees a round and 8 more for the full comparison, 4 a round and 3 more for the others,
# each file taking whole 4 KiB blocks; the containerd case holds its source, a copy in each snapshotter and
# the changed files. Plus 1 GiB of slack.
vm_data_mib=$((VM_MEMORY_MIB / 4 + VM_DISK_MIB / 10))
files_data_mib=$((FILE_COUNT * 36 / 1024 + 1))
few_files_data_mib=$((FEW_FILE_COUNT * 36 / 1024 + 1))
most_files_data_mib=$((MOST_FILE_COUNT * ((MOST_FILE_BYTES + 4095) / 4096) * 4 / 1024 + 1))
need_mib=$(printf '%s\n' $((vm_data_mib * 5 + VM_MEMORY_MIB + VM_DISK_MIB)) $((DENSE_MIB * 6)) $((DENSE_SMALLER_MIB * 3)) \
    $((files_data_mib * (9 * ROUNDS + 8) + (few_files_data_mib + most_files_data_mib) * (4 * ROUNDS + 3))) \
    $((CONTAINERD * CONTAINERD_MIB * 4)) | sort -n | tail -1)
need_mib=$((need_mib + 1024))
free_mib=$(($(df -Pk "$PARENT" | awk 'NR == 2 { print $4 }') / 1024))
if [ "$free_mib" -lt "$need_mib" ]; then
    die "not enough free disk space in $PARENT: these sizes need about $need_mib MiB, $free_mib MiB are free; lower BENCH_VM_MEMORY_MIB, BENCH_VM_DISK_MIB, BENCH_DENSE_MIB, BENCH_FILES, BENCH_FEW_FILES or BENCH_MOST_FILES, or set BENCH_TMPDIR to a larger filesystem"
fi

# Other work on the machine is the main source of noise: its load is recorded at the start and the end.
LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
W=$(mktemp -d "$PARENT/snapshotter-bench.XXXXXX")
. "$HERE/containerd.sh"
ROOT_DIR=$(dirname "$HERE")
trap 'containerd_case_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export RESTIC_PASSWORD=bench RESTIC_CACHE_DIR=$W/restic-cache

log "building the data generator and the hash benchmark (Native AOT, compiled as the library is)"
GEN=$W/gen
gcc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -o "$GEN" "$HERE/gen.c"
dotnet publish "$HERE/HashBench" -c Release -o "$BUILD/obj/hashbench" -nologo -v quiet \
    ${SNAPSHOTTER_INSTRUCTION_SET:+-p:IlcInstructionSet=$SNAPSHOTTER_INSTRUCTION_SET} >/dev/null
HASHBENCH=$BUILD/obj/hashbench/HashBench

# ---------------------------------------------------------------------------------------------------
# Measuring. Each measurement has a key "case|operation|tool" and keeps the fastest of its rounds and the
# largest peak RSS (/usr/bin/time -v) of any round.

declare -A SECONDS_OF RSS_OF ROUNDS_OF
MEASURED=()
COMPARISONS=()
BEFORE=

# settle: what precedes every timed run. Earlier runs' dirty pages are written back first, so no run pays
# for another's writeback; with BENCH_DROP_CACHES=1 every run then starts from a cold page cache.
settle() {
    sync
    if [ "$DROP_CACHES" = 1 ]; then
        echo 3 >/proc/sys/vm/drop_caches
    fi
}

# clear_path PATH: removes what a previous run left at PATH. With ASIDE=1 (the cases of many files) it is moved aside
# instead and removed only when the run ends: ext4 without a journal (this kind of machine) skips inodes freed
# in the last minute when it allocates one, scanning past each of them (recently_deleted() in the kernel), so
# creating 20,000 files right after deleting 20,000 costs several times what it costs otherwise, for every
# tool alike. Moving aside is one rename, and every round then starts as a user's run would.
ASIDE=0
ASIDE_COUNT=0
clear_path() {
    [ -e "$1" ] || return 0
    if [ "$ASIDE" = 1 ]; then
        mkdir -p "$W/aside"
        ASIDE_COUNT=$((ASIDE_COUNT + 1))
        mv "$1" "$W/aside/$ASIDE_COUNT"
    else
        rm -rf "$1"
    fi
}

# measure CASE OPERATION TOOL ROUNDS CLEAR CMD...: times CMD; CLEAR (a path, or "-") is cleared (see clear_path) before
# each round, then the function named in $BEFORE (if any) runs, both untimed.
measure() {
    local case=$1 operation=$2 tool=$3 rounds=$4 clear=$5
    shift 5
    local key="$case|$operation|$tool" best="" peak=0 start end seconds rss
    for ((round = 1; round <= rounds; round++)); do
        [ "$clear" = - ] || clear_path "$clear"
        [ -z "$BEFORE" ] || "$BEFORE"
        settle
        start=$EPOCHREALTIME
        if ! /usr/bin/time -v -o "$W/time.txt" "$@" >"$W/command.log" 2>&1; then
            tail -n 30 "$W/command.log" >&2
            die "$case, $operation, $tool: the command failed: $*"
        fi
        end=$EPOCHREALTIME
        seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')
        rss=$(sed -n 's/^\s*Maximum resident set size (kbytes): \([0-9]*\)$/\1/p' "$W/time.txt")
        [ -n "$rss" ] || die "no peak memory in the output of /usr/bin/time -v for: $*"
        if [ -z "$best" ] || awk -v t="$seconds" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$seconds; fi
        [ "$rss" -le "$peak" ] || peak=$rss
    done
    SECONDS_OF[$key]=$best
    RSS_OF[$key]=$peak
    ROUNDS_OF[$key]=$rounds
    MEASURED+=("$key")
    printf '    %-12s %-34s %-34s %9.3f s %8d KiB\n' "$case" "$operation" "$tool" "$best" "$peak" >&2
}

# compare CASE WHAT OURS_KEY REF_KEY GOAL: a row of the results; GOAL is a maximum ratio ("1.2"), or "-"
# for a comparison shown for context. Ratios are of times: ours / reference, lower is faster for us.
compare() {
    COMPARISONS+=("$1|$2|time|${SECONDS_OF[$3]:?no measurement $3}|${SECONDS_OF[$4]:?no measurement $4}|max|$5")
}

# compare_value CASE WHAT UNIT OURS REF DIRECTION GOAL: a row from values other than times (throughput: max
# means lower is better, min means higher is better).
compare_value() {
    COMPARISONS+=("$1|$2|$3|$4|$5|$6|$7")
}

# ours_peak_memory CASE: a row with the largest peak RSS of our processes in CASE against 64 MiB.
ours_peak_memory() {
    local key peak=0
    for key in "${MEASURED[@]}"; do
        case "$key" in
            "$1|"*"|snapshotctl"*) [ "${RSS_OF[$key]}" -le "$peak" ] || peak=${RSS_OF[$key]} ;;
        esac
    done
    compare_value "$1" "peak memory of snapshotctl, largest in this case" KiB "$peak" 65536 max 1
}

# warm DIR: reads every file once, so each tool starts from the same page cache.
warm() { find "$1" -type f -exec cat {} + >/dev/null; }

restic_init() { rm -rf "$W/repo"; restic init --quiet -r "$W/repo" >/dev/null; }

# verify_restore SRC OUT: the restored tree must equal the source, bytes, symlinks and empty directories.
verify_restore() { diff -r --no-dereference "$1" "$2" >/dev/null || die "the restored tree $2 differs from $1"; }

# then_sync COMMAND: a shell command that runs COMMAND SRC DST, then syncfs of DST's filesystem, the durability
# snapshotctl gives. CP_SYNC SRC DST copies durably; RSYNC_SYNC SRC DST updates DST in place durably.
then_sync() { printf '%s\n' "$1 \"\$1\" \"\$2\" && sync -f \"\$2\""; }
CP_SYNC=(sh -c "$(then_sync 'cp -a')" cp_sync)
RSYNC_SYNC=(sh -c "$(then_sync 'rsync -a')" rsync_sync)

# snapshot_and_restore CASE SRC NAME SPARSE SNAPSHOT_ARGS... (SPARSE: "sparse" or ""): the measurements every data set gets.
# Leaves $W/store (NAME:v1), $W/copy (cp -a of SRC) and $W/repo (restic, one snapshot of SRC).
snapshot_and_restore() {
    local case=$1 src=$2 name=$3 sparse=$4 rsync_flags=-a
    shift 4
    [ -z "$sparse" ] || rsync_flags=-aS
    log "$case: snapshot (best of $ROUNDS; restic and rsync: $SLOW_ROUNDS)"
    measure "$case" snapshot "snapshotctl" "$ROUNDS" "$W/store" \
        "$CTL" --root "$W/store" snapshot --name "$name" --version v1 --base-dir "$src" "$@"
    measure "$case" snapshot "cp -a" "$ROUNDS" "$W/copy" cp -a "$src" "$W/copy"
    # On dense data --sparse=always only adds a scan for zeros: it is measured where there are holes.
    [ -z "$sparse" ] || measure "$case" snapshot "cp -a --sparse=always" "$ROUNDS" "$W/dst" cp -a --sparse=always "$src" "$W/dst"
    measure "$case" snapshot "cp -a + sync -f" "$ROUNDS" "$W/dst" "${CP_SYNC[@]}" "$src" "$W/dst"
    measure "$case" snapshot "rsync $rsync_flags" "$SLOW_ROUNDS" "$W/dst" rsync "$rsync_flags" "$src/" "$W/dst/"
    BEFORE=restic_init
    measure "$case" snapshot "restic backup" "$SLOW_ROUNDS" - restic -r "$W/repo" backup --quiet "$src"
    BEFORE=

    log "$case: restore (best of $ROUNDS; restic and rsync: $SLOW_ROUNDS)"
    measure "$case" restore "snapshotctl" "$ROUNDS" "$W/out" \
        "$CTL" --root "$W/store" restore --name "$name" --version v1 --output-dir "$W/out"
    verify_restore "$src" "$W/out"
    measure "$case" restore "cp -a" "$ROUNDS" "$W/out" cp -a "$W/copy" "$W/out"
    [ -z "$sparse" ] || measure "$case" restore "cp -a --sparse=always" "$ROUNDS" "$W/out" cp -a --sparse=always "$W/copy" "$W/out"
    measure "$case" restore "cp -a + sync -f" "$ROUNDS" "$W/out" "${CP_SYNC[@]}" "$W/copy" "$W/out"
    measure "$case" restore "rsync $rsync_flags" "$SLOW_ROUNDS" "$W/out" rsync "$rsync_flags" "$W/copy/" "$W/out/"
    measure "$case" restore "restic restore" "$SLOW_ROUNDS" "$W/out" \
        restic -r "$W/repo" restore latest --quiet --target "$W/out"
    clear_path "$W/dst"
    clear_path "$W/out"
}

# compare_common CASE SNAPSHOT_GOAL SNAPSHOT_REF RESTORE_GOAL_VS_CP SPARSE DURABLE_SNAPSHOT_GOAL RESTIC_SNAPSHOT_GOAL
compare_common() {
    local case=$1 snapshot_goal=$2 snapshot_ref=$3 restore_goal=$4 sparse=$5 durable_goal=$6 restic_goal=$7 rsync_flags=-a
    [ -z "$sparse" ] || rsync_flags=-aS
    local ours="$case|snapshot|snapshotctl"
    compare "$case" "snapshot vs $snapshot_ref" "$ours" "$case|snapshot|$snapshot_ref" "$snapshot_goal"
    [ "$snapshot_ref" = "cp -a" ] || compare "$case" "snapshot vs cp -a" "$ours" "$case|snapshot|cp -a" -
    compare "$case" "snapshot vs cp -a + sync -f (durable)" "$ours" "$case|snapshot|cp -a + sync -f" "$durable_goal"
    compare "$case" "snapshot vs rsync $rsync_flags" "$ours" "$case|snapshot|rsync $rsync_flags" -
    compare "$case" "snapshot vs restic backup" "$ours" "$case|snapshot|restic backup" "$restic_goal"
    ours="$case|restore|snapshotctl"
    compare "$case" "restore vs cp -a" "$ours" "$case|restore|cp -a" "$restore_goal"
    [ -z "$sparse" ] || compare "$case" "restore vs cp -a --sparse=always" "$ours" "$case|restore|cp -a --sparse=always" -
    compare "$case" "restore vs cp -a + sync -f (durable)" "$ours" "$case|restore|cp -a + sync -f" -
    compare "$case" "restore vs rsync $rsync_flags" "$ours" "$case|restore|rsync $rsync_flags" -
    compare "$case" "restore vs restic restore" "$ours" "$case|restore|restic restore" 0.2
}

# ---------------------------------------------------------------------------------------------------
# XXH3-64 throughput.

log "xxh3: hashing 100 KB in memory (HashBench vs xxhsum -b)"
ours_mbps=$("$HASHBENCH" 102400 | awk '{ print $2 }')
ref_mbps=$(xxhsum -b5 -i5 2>&1 | tr '\r' '\n' | sed -n 's/^ *5#XXH3_64b .*(\s*\([0-9.]*\) MB\/s).*/\1/p' | tail -n 1)
[ -n "$ours_mbps" ] && [ -n "$ref_mbps" ] || die "could not read the hash throughput (HashBench: '$ours_mbps', xxhsum: '$ref_mbps')"
compare_value xxh3 "XXH3-64 of 100 KB in memory, MB/s (HashBench vs xxhsum -b)" MB/s "$ours_mbps" "$ref_mbps" min 0.8

# ---------------------------------------------------------------------------------------------------
# 1. VM checkpoint.

log "vm: generating a $VM_MEMORY_MIB MiB memory file and a $VM_DISK_MIB MiB disk image (sparse)"
SRC=$W/vm
mkdir -p "$SRC/state"
"$GEN" sparse "$SRC/memory.bin" $((VM_MEMORY_MIB * MiB)) 25 $((1 * MiB)) 1
chmod 0444 "$SRC/memory.bin"
"$GEN" sparse "$SRC/disk.img" $((VM_DISK_MIB * MiB)) 10 $((64 * 1024)) 2
"$GEN" dense "$SRC/state/cpu.bin" $((64 * 1024)) 3
"$GEN" dense "$SRC/state/devices.bin" $((256 * 1024)) 4
printf '{"vcpus":2,"memory_mib":%d,"disk":"disk.img","state":"paused"}\n' "$VM_MEMORY_MIB" >"$SRC/state/vm.json"
warm "$SRC"
snapshot_and_restore vm "$SRC" vm sparse --ro memory.bin --all

log "vm: restore of the read-only file alone (vs cp -al) and of the disk image alone (vs cp -a)"
measure vm "restore read-only memory.bin" "snapshotctl" "$ROUNDS" "$W/out" \
    "$CTL" --root "$W/store" restore --name vm --version v1 --output-dir "$W/out" --only memory.bin
cmp -s "$SRC/memory.bin" "$W/out/memory.bin" || die "restored memory.bin differs from the source"
measure vm "restore read-only memory.bin" "cp -al" "$ROUNDS" "$W/out" cp -al "$W/copy/memory.bin" "$W/out"
measure vm "restore writable disk.img" "snapshotctl" "$ROUNDS" "$W/out" \
    "$CTL" --root "$W/store" restore --name vm --version v1 --output-dir "$W/out" --only disk.img
cmp -s "$SRC/disk.img" "$W/out/disk.img" || die "restored disk.img differs from the source"
measure vm "restore writable disk.img" "cp -a" "$ROUNDS" "$W/out" cp -a "$W/copy/disk.img" "$W/out"
measure vm "restore writable disk.img" "cp -a + sync -f" "$ROUNDS" "$W/out" "${CP_SYNC[@]}" "$W/copy/disk.img" "$W/out"

compare_common vm 1.2 "cp -a --sparse=always" - sparse - 0.2
compare vm "restore read-only memory.bin vs cp -al" "vm|restore read-only memory.bin|snapshotctl" \
    "vm|restore read-only memory.bin|cp -al" 2
compare vm "restore writable disk.img vs cp -a" "vm|restore writable disk.img|snapshotctl" \
    "vm|restore writable disk.img|cp -a" 1.2
compare vm "restore writable disk.img vs cp -a + sync -f (durable)" "vm|restore writable disk.img|snapshotctl" \
    "vm|restore writable disk.img|cp -a + sync -f" -
ours_peak_memory vm
rm -rf "$W/store" "$W/copy" "$W/repo" "$W/out" "$SRC"

# ---------------------------------------------------------------------------------------------------
# 3. One dense file (before the small files, whose state the incremental case continues from).

log "dense: generating a $DENSE_MIB MiB file of random data"
SRC=$W/dense
mkdir -p "$SRC"
"$GEN" dense "$SRC/dense.bin" $((DENSE_MIB * MiB)) 5
warm "$SRC"
snapshot_and_restore dense "$SRC" dense "" --rw dense.bin
compare_common dense 1.3 "cp -a" 1.2 "" 0.8 0.2

log "xxh3: hashing the cached $DENSE_MIB MiB file (HashBench --file vs xxhsum -H3)"
ours_digest=$("$HASHBENCH" --file "$SRC/dense.bin" | awk '{ print $1 }')
ref_digest=$(xxhsum -H3 "$SRC/dense.bin" 2>/dev/null | sed -n 's/.* = \([0-9a-f]*\)$/\1/p')
[ "$ours_digest" = "$ref_digest" ] || die "HashBench and xxhsum disagree on the XXH3-64 of the file: $ours_digest vs $ref_digest"
measure xxh3 "hash the cached dense file" "HashBench --file" "$ROUNDS" - "$HASHBENCH" --file "$SRC/dense.bin"
measure xxh3 "hash the cached dense file" "xxhsum -H3" "$ROUNDS" - xxhsum -H3 "$SRC/dense.bin"
mbps() { awk -v bytes=$((DENSE_MIB * MiB)) -v s="$1" 'BEGIN { printf "%.0f", bytes / s / 1e6 }'; }
compare_value xxh3 "XXH3-64 of the cached $DENSE_MIB MiB file, MB/s (HashBench --file vs xxhsum -H3)" MB/s \
    "$(mbps "${SECONDS_OF[xxh3|hash the cached dense file|HashBench --file]}")" \
    "$(mbps "${SECONDS_OF[xxh3|hash the cached dense file|xxhsum -H3]}")" min 0.8
ours_peak_memory dense
rm -rf "$W/store" "$W/copy" "$W/repo" "$SRC"

log "dense_smaller: snapshot of a $DENSE_SMALLER_MIB MiB file of random data (best of $ROUNDS)"
mkdir -p "$SRC"
"$GEN" dense "$SRC/dense.bin" $((DENSE_SMALLER_MIB * MiB)) 9
warm "$SRC"
measure dense_smaller snapshot "snapshotctl" "$ROUNDS" "$W/store" \
    "$CTL" --root "$W/store" snapshot --name dense --version v1 --base-dir "$SRC" --rw dense.bin
measure dense_smaller snapshot "cp -a + sync -f" "$ROUNDS" "$W/dst" "${CP_SYNC[@]}" "$SRC" "$W/dst"
compare dense_smaller "snapshot vs cp -a + sync -f (durable)" "dense_smaller|snapshot|snapshotctl" \
    "dense_smaller|snapshot|cp -a + sync -f" 0.8
ours_peak_memory dense_smaller
rm -rf "$W/store" "$W/dst" "$SRC"

# ---------------------------------------------------------------------------------------------------
# 2. Many small files.

ASIDE=1
log "files: generating $FILE_COUNT files of 1-64 KiB"
SRC=$W/files
"$GEN" tree "$SRC" "$FILE_COUNT" 1024 $((64 * 1024)) 6
warm "$SRC"
snapshot_and_restore files "$SRC" files "" --all
compare_common files 1.3 "cp -a" 1.2 "" 1 0.5
ours_peak_memory files

# ---------------------------------------------------------------------------------------------------
# 4. Incremental: the small files again, unchanged and then with CHANGED_PERCENT % rewritten, each
# snapshotted as a new version of the store that holds files:v1.

# forget_version VERSION: deletes files:VERSION when a previous round created it.
declare -A STORED
forget_version() {
    if [ -n "${STORED[$1]:-}" ]; then
        "$CTL" --root "$W/store" delete "files:$1" >/dev/null
    fi
    STORED[$1]=1
}
forget_unchanged() { forget_version unchanged; }
forget_v2() { forget_version v2; }
forget_changed() { forget_version changed; }

log "incremental: the unchanged tree as a new version (best of $ROUNDS; restic: $SLOW_ROUNDS)"
BEFORE=forget_unchanged
measure incremental "snapshot unchanged tree" "snapshotctl" "$ROUNDS" - \
    "$CTL" --root "$W/store" snapshot --name files --version unchanged --base-dir "$SRC" --all
BEFORE=
measure incremental "snapshot unchanged tree" "rsync -a" "$ROUNDS" - rsync -a "$SRC/" "$W/copy/"
measure incremental "snapshot unchanged tree" "restic backup" "$SLOW_ROUNDS" - \
    restic -r "$W/repo" backup --quiet "$SRC"

log "incremental: rewriting $CHANGED_PERCENT % of the files"
# The originals of the changed files, times and all, put the v1 trees back before each round.
cp -a "$SRC" "$W/inplace"
every=$((100 / CHANGED_PERCENT))
changed=0
while IFS= read -r path; do
    (cd "$SRC" && cp -a --parents "$path" "$W/orig/")
    "$GEN" rewrite "$SRC/$path" $((1000 + changed))
    changed=$((changed + 1))
done < <(mkdir -p "$W/orig" && cd "$SRC" && find . -type f | LC_ALL=C sort | awk -v n="$every" 'NR % n == 1')
[ "$changed" -gt 0 ] || die "no file was changed for the incremental case"
warm "$SRC"
reset_copy() { cp -a "$W/orig/." "$W/copy/"; }
reset_inplace() { cp -a "$W/orig/." "$W/inplace/"; }
restic_v1_repo() { rm -rf "$W/repo2"; cp -a "$W/repo" "$W/repo2"; }

log "incremental: $changed changed files as a new version (best of $ROUNDS; restic: $SLOW_ROUNDS)"
BEFORE=forget_v2
measure incremental "snapshot $CHANGED_PERCENT % changed" "snapshotctl" "$ROUNDS" - \
    "$CTL" --root "$W/store" snapshot --name files --version v2 --base-dir "$SRC" --all
BEFORE=reset_copy
measure incremental "snapshot $CHANGED_PERCENT % changed" "rsync -a" "$ROUNDS" - rsync -a "$SRC/" "$W/copy/"
BEFORE=restic_v1_repo
measure incremental "snapshot $CHANGED_PERCENT % changed" "restic backup" "$SLOW_ROUNDS" - \
    restic -r "$W/repo2" backup --quiet "$SRC"
BEFORE=

log "incremental: restore of the new version (best of $ROUNDS; restic: $SLOW_ROUNDS)"
measure incremental "restore new version" "snapshotctl" "$ROUNDS" "$W/out" \
    "$CTL" --root "$W/store" restore --name files --version v2 --output-dir "$W/out"
verify_restore "$SRC" "$W/out"
measure incremental "restore new version" "cp -a" "$ROUNDS" "$W/out" cp -a "$W/copy" "$W/out"
measure incremental "restore new version" "restic restore" "$SLOW_ROUNDS" "$W/out" \
    restic -r "$W/repo2" restore latest --quiet --target "$W/out"
BEFORE=reset_inplace
measure incremental "restore new version over the old" "snapshotctl --in-place" "$ROUNDS" - \
    "$CTL" --root "$W/store" restore --name files --version v2 --output-dir "$W/inplace" --in-place
verify_restore "$SRC" "$W/inplace"
measure incremental "restore new version over the old" "rsync -a" "$ROUNDS" - rsync -a "$W/copy/" "$W/inplace/"
measure incremental "restore new version over the old" "rsync -a + sync -f" "$ROUNDS" - "${RSYNC_SYNC[@]}" "$W/copy/" "$W/inplace/"
BEFORE=

compare incremental "snapshot unchanged tree vs first snapshot of the tree" \
    "incremental|snapshot unchanged tree|snapshotctl" "files|snapshot|snapshotctl" 0.1
compare incremental "snapshot unchanged tree vs rsync -a" \
    "incremental|snapshot unchanged tree|snapshotctl" "incremental|snapshot unchanged tree|rsync -a" 1
compare incremental "snapshot unchanged tree vs restic backup" \
    "incremental|snapshot unchanged tree|snapshotctl" "incremental|snapshot unchanged tree|restic backup" -
compare incremental "snapshot $CHANGED_PERCENT % changed vs first snapshot of the tree" \
    "incremental|snapshot $CHANGED_PERCENT % changed|snapshotctl" "files|snapshot|snapshotctl" -
compare incremental "snapshot $CHANGED_PERCENT % changed vs rsync -a" \
    "incremental|snapshot $CHANGED_PERCENT % changed|snapshotctl" "incremental|snapshot $CHANGED_PERCENT % changed|rsync -a" -
compare incremental "snapshot $CHANGED_PERCENT % changed vs restic backup" \
    "incremental|snapshot $CHANGED_PERCENT % changed|snapshotctl" "incremental|snapshot $CHANGED_PERCENT % changed|restic backup" 0.2
compare incremental "restore new version vs cp -a" \
    "incremental|restore new version|snapshotctl" "incremental|restore new version|cp -a" 1.2
compare incremental "restore new version vs restic restore" \
    "incremental|restore new version|snapshotctl" "incremental|restore new version|restic restore" 0.2
compare incremental "restore new version over the old, in place, vs rsync -a" \
    "incremental|restore new version over the old|snapshotctl --in-place" "incremental|restore new version over the old|rsync -a" 1
compare incremental "restore new version over the old, in place, vs rsync -a + sync -f (durable)" \
    "incremental|restore new version over the old|snapshotctl --in-place" "incremental|restore new version over the old|rsync -a + sync -f" -
ours_peak_memory incremental
for path in store copy repo repo2 out inplace orig files; do clear_path "$W/$path"; done

# ---------------------------------------------------------------------------------------------------
# 2a, 2b. Small files at a smaller and at the largest count: the snapshot against a durable copy and
# restic, the restore (for its peak memory) against a durable copy, and a new version after some files changed
# against the first snapshot (for its peak memory). The rest of the tools and the restore comparisons are case 2's;
# leaving them out here keeps the default run within 15 minutes.

# small_files_at CASE COUNT MIN_BYTES MAX_BYTES SEED
small_files_at() {
    local case=$1 count=$2 min_bytes=$3 max_bytes=$4 seed=$5 src=$W/$1 path
    log "$case: generating $count files of $min_bytes-$max_bytes bytes"
    "$GEN" tree "$src" "$count" "$min_bytes" "$max_bytes" "$seed"
    warm "$src"
    log "$case: snapshot and restore (best of $ROUNDS; restic: $SLOW_ROUNDS)"
    measure "$case" snapshot "snapshotctl" "$ROUNDS" "$W/store" \
        "$CTL" --root "$W/store" snapshot --name files --version v1 --base-dir "$src" --all
    measure "$case" snapshot "cp -a + sync -f" "$ROUNDS" "$W/copy" "${CP_SYNC[@]}" "$src" "$W/copy"
    BEFORE=restic_init
    measure "$case" snapshot "restic backup" "$SLOW_ROUNDS" - restic -r "$W/repo" backup --quiet "$src"
    BEFORE=
    measure "$case" restore "snapshotctl" "$ROUNDS" "$W/out" \
        "$CTL" --root "$W/store" restore --name files --version v1 --output-dir "$W/out"
    verify_restore "$src" "$W/out"
    measure "$case" restore "cp -a + sync -f" "$ROUNDS" "$W/out" "${CP_SYNC[@]}" "$W/copy" "$W/out"
    # A new version after CHANGED_PERCENT % were rewritten: it reads the previous version's list and the digests
    # remembered for the unchanged files, which the first snapshot does not (for its time and peak memory).
    log "$case: $CHANGED_PERCENT % rewritten, snapshotted as a new version (best of $ROUNDS)"
    (cd "$src" && find . -type f | LC_ALL=C sort | awk -v n=$((100 / CHANGED_PERCENT)) 'NR % n == 1') |
        while IFS= read -r path; do "$GEN" rewrite "$src/$path" "$seed"; done
    STORED[changed]=
    BEFORE=forget_changed
    measure "$case" "snapshot $CHANGED_PERCENT % changed" "snapshotctl" "$ROUNDS" - \
        "$CTL" --root "$W/store" snapshot --name files --version changed --base-dir "$src" --all
    BEFORE=
    compare "$case" "snapshot vs cp -a + sync -f (durable)" "$case|snapshot|snapshotctl" "$case|snapshot|cp -a + sync -f" 1
    compare "$case" "snapshot vs restic backup" "$case|snapshot|snapshotctl" "$case|snapshot|restic backup" 0.5
    compare "$case" "restore vs cp -a + sync -f (durable)" "$case|restore|snapshotctl" "$case|restore|cp -a + sync -f" -
    compare "$case" "snapshot of $CHANGED_PERCENT % changed vs the first snapshot" \
        "$case|snapshot $CHANGED_PERCENT % changed|snapshotctl" "$case|snapshot|snapshotctl" -
    ours_peak_memory "$case"
    for path in store copy repo out "$case"; do clear_path "$W/$path"; done
}
small_files_at few_files "$FEW_FILE_COUNT" 1024 $((64 * 1024)) 7
small_files_at most_files "$MOST_FILE_COUNT" "$MOST_FILE_BYTES" "$MOST_FILE_BYTES" 8

# ---------------------------------------------------------------------------------------------------
# 5. containerd (bench/containerd.sh).

CONTAINERD_CHANGED=0
[ "$CONTAINERD" = 0 ] || run_containerd_case

# ---------------------------------------------------------------------------------------------------
# Results.

log "writing $OUT_DIR/results.md and $OUT_DIR/results.json"

json_string() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    printf '"%s"' "$(printf '%s' "$s" | tr -d '\000-\037')"
}

# ratio_of OURS REF, verdict_of RATIO DIRECTION GOAL ("met", "NOT met" or "-")
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "inf" }'; }
verdict_of() {
    [ "$3" != - ] || { echo -; return; }
    awk -v r="$1" -v d="$2" -v g="$3" 'BEGIN { ok = (d == "min") ? (r >= g) : (r <= g); print (ok ? "met" : "NOT met") }'
}

first_line() { "$@" 2>&1 | head -n 1 | tr -s ' ' | sed 's/ $//' || true; }
CPU=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
MEMORY_MIB=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo) / 1024))
KERNEL=$(uname -r)
LOAD_END=$(cut -d ' ' -f 1-3 /proc/loadavg)
MOUNT_TYPE=$(findmnt -n -o FSTYPE -T "$W" 2>/dev/null || echo unknown)
CORES=$(nproc)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
DURATION=$SECONDS
declare -A VERSIONS=(
    [snapshotctl]=$(first_line "$CTL" --version)
    [cp]=$(first_line cp --version)
    [rsync]=$(first_line rsync --version)
    [restic]=$(first_line restic version)
    [xxhsum]=$(first_line xxhsum --version)
    [time]="GNU time $(dpkg-query -W -f '${Version}' time 2>/dev/null || echo unknown)"
)
VERSION_ORDER=(snapshotctl cp rsync restic xxhsum time)

case_title() {
    case "$1" in
        xxh3) echo "XXH3-64 hashing" ;;
        vm) echo "1. VM checkpoint: ${VM_MEMORY_MIB} MiB sparse memory file (read-only, 25 % data), ${VM_DISK_MIB} MiB sparse disk image (writable, 10 % data in 64 KiB runs), 3 state files" ;;
        few_files) echo "2a. Fewer small files: ${FEW_FILE_COUNT} files of 1-64 KiB, 100 to a directory" ;;
        files) echo "2. Many small files: ${FILE_COUNT} files of 1-64 KiB, 100 to a directory" ;;
        most_files) echo "2b. The most small files: ${MOST_FILE_COUNT} files of ${MOST_FILE_BYTES} B, 100 to a directory" ;;
        dense) echo "3. One dense ${DENSE_MIB} MiB file of random data" ;;
        dense_smaller) echo "3a. One dense ${DENSE_SMALLER_MIB} MiB file of random data: the snapshot against a durable copy" ;;
        containerd) echo "5. containerd: a tree of ${CONTAINERD_FILES} files (${CONTAINERD_MIB} MiB) committed through \`ctr snapshot\`, prepared again, ${CONTAINERD_CHANGED} files ($CHANGED_PERCENT %) rewritten and committed: the adapter as a proxy plugin vs containerd's overlayfs snapshotter" ;;
        incremental) echo "4. Incremental: the small files as new versions of a store holding them, unchanged and with $changed files ($CHANGED_PERCENT %) rewritten" ;;
    esac
}
CASES=(vm files few_files most_files dense dense_smaller incremental xxh3)
[ "$CONTAINERD" = 0 ] || CASES+=(containerd)

format_value() {
    case "$1" in
        time) printf '%.3f s' "$2" ;;
        *) printf '%s %s' "$2" "$1" ;;
    esac
}

{
    echo "# Benchmark results"
    echo
    echo "Measured by \`./build.sh bench\` on $DATE; see docs/benchmarks.md for what it measures and its settings."
    echo
    echo "- Machine: $CORES cores ($CPU), $MEMORY_MIB MiB of memory, Linux $KERNEL; load average $LOAD_START at the start, $LOAD_END at the end"
    echo "- Work directory's filesystem: $FS_TYPE (\`stat -f -c %T\`), mounted as $MOUNT_TYPE"
    echo "- Duration of the whole run: $DURATION s ($((DURATION / 60)) min $((DURATION % 60)) s), generating the data included"
    echo "- Many-file cases (2, 2a, 2b and 4): what a round wrote is moved aside, not deleted, until the run ends: on ext4 without a journal, creating files within a minute of deleting as many costs several times more, for every tool"
    echo "- Rounds: best of $ROUNDS (restic and rsync: $SLOW_ROUNDS); page cache $([ "$DROP_CACHES" = 1 ] && echo "dropped before every run (cold)" || echo "warm: every source is read once before it is measured, and dirty pages are written back before every run")"
    separator=" "
    printf -- "- Versions:"
    for tool in "${VERSION_ORDER[@]}"; do printf '%s%s' "$separator" "${VERSIONS[$tool]}"; separator="; "; done
    echo
    [ "$SMOKE" != 1 ] || { echo; echo "**Smoke run: tiny sizes, one round; the numbers mean nothing.**"; }
    echo
    echo "[![Every ratio against its goal: a bar per ratio, the goal as a marker](results.svg)](results.svg)"
    echo
    echo "Ratios are ours / reference: for times lower is faster for us; for MB/s and KiB the goal says which"
    echo "way. snapshotctl makes what it writes durable (syncfs) before it returns; cp, rsync and restic"
    echo "do not, so \"cp -a + sync -f\" (cp, then syncfs of the destination) is the reference with the same"
    echo "durability, and the difference between the two cp rows is the cost of durability. Sparse data"
    echo "sets use \`rsync -aS\` (without -S rsync writes every hole as zeros); restic $(restic version | awk '{ print $2 }')"
    echo "has no sparse restore."
    for case in "${CASES[@]}"; do
        echo
        echo "## $(case_title "$case")"
        echo
        echo "| comparison | ours | reference | ratio | goal | verdict |"
        echo "|---|---:|---:|---:|---|---|"
        for row in "${COMPARISONS[@]}"; do
            IFS='|' read -r c what unit ours ref direction goal <<<"$row"
            [ "$c" = "$case" ] || continue
            ratio=$(ratio_of "$ours" "$ref")
            goal_text=-
            [ "$goal" = - ] || goal_text="$([ "$direction" = min ] && echo ">=" || echo "<=") $goal"
            printf '| %s | %s | %s | %s | %s | %s |\n' "$what" "$(format_value "$unit" "$ours")" \
                "$(format_value "$unit" "$ref")" "$ratio" "$goal_text" "$(verdict_of "$ratio" "$direction" "$goal")"
        done
    done
    echo
    cat "$HERE/limits.md"
    echo
    echo "## Every measurement"
    echo
    echo "| case | operation | tool | best time | peak RSS | rounds |"
    echo "|---|---|---|---:|---:|---:|"
    for key in "${MEASURED[@]}"; do
        IFS='|' read -r c operation tool <<<"$key"
        printf '| %s | %s | %s | %.3f s | %.1f MiB | %s |\n' "$c" "$operation" "$tool" "${SECONDS_OF[$key]}" \
            "$(awk -v k="${RSS_OF[$key]}" 'BEGIN { print k / 1024 }')" "${ROUNDS_OF[$key]}"
    done
} >"$W/results.md"

{
    printf '{\n  "generated": %s,\n  "smoke": %s,\n  "duration_seconds": %d,\n' "$(json_string "$DATE")" \
        "$([ "$SMOKE" = 1 ] && echo true || echo false)" "$DURATION"
    printf '  "machine": {"cores": %d, "cpu": %s, "memory_mib": %d, "kernel": %s, "filesystem": %s, "mount_type": %s, "load_average_start": %s, "load_average_end": %s},\n' \
        "$CORES" "$(json_string "$CPU")" "$MEMORY_MIB" "$(json_string "$KERNEL")" "$(json_string "$FS_TYPE")" \
        "$(json_string "$MOUNT_TYPE")" "$(json_string "$LOAD_START")" "$(json_string "$LOAD_END")"
    printf '  "settings": {"rounds": %d, "slow_rounds": %d, "vm_memory_mib": %d, "vm_disk_mib": %d, "files": %d, "few_files": %d, "most_files": %d, "most_file_bytes": %d, "changed_percent": %d, "changed_files": %d, "dense_mib": %d, "dense_smaller_mib": %d, "containerd": %s, "containerd_files": %d, "containerd_mib": %d, "containerd_changed_files": %d, "drop_caches": %s},\n' \
        "$ROUNDS" "$SLOW_ROUNDS" "$VM_MEMORY_MIB" "$VM_DISK_MIB" "$FILE_COUNT" "$FEW_FILE_COUNT" "$MOST_FILE_COUNT" \
        "$MOST_FILE_BYTES" "$CHANGED_PERCENT" "$changed" "$DENSE_MIB" "$DENSE_SMALLER_MIB" \
        "$([ "$CONTAINERD" = 1 ] && echo true || echo false)" "$CONTAINERD_FILES" "$CONTAINERD_MIB" "$CONTAINERD_CHANGED" \
        "$([ "$DROP_CACHES" = 1 ] && echo true || echo false)"
    printf '  "versions": {'
    separator=
    for tool in "${VERSION_ORDER[@]}"; do
        printf '%s%s: %s' "$separator" "$(json_string "$tool")" "$(json_string "${VERSIONS[$tool]}")"
        separator=', '
    done
    printf '},\n  "cases": {'
    separator=
    for case in "${CASES[@]}"; do
        printf '%s%s: %s' "$separator" "$(json_string "$case")" "$(json_string "$(case_title "$case")")"
        separator=', '
    done
    printf '},\n  "measurements": [\n'
    separator=
    for key in "${MEASURED[@]}"; do
        IFS='|' read -r c operation tool <<<"$key"
        printf '%s    {"case": %s, "operation": %s, "tool": %s, "seconds": %s, "max_rss_kib": %d, "rounds": %d}' \
            "$separator" "$(json_string "$c")" "$(json_string "$operation")" "$(json_string "$tool")" \
            "${SECONDS_OF[$key]}" "${RSS_OF[$key]}" "${ROUNDS_OF[$key]}"
        separator=$',\n'
    done
    printf '\n  ],\n  "comparisons": [\n'
    separator=
    for row in "${COMPARISONS[@]}"; do
        IFS='|' read -r c what unit ours ref direction goal <<<"$row"
        ratio=$(ratio_of "$ours" "$ref")
        verdict=$(verdict_of "$ratio" "$direction" "$goal")
        printf '%s    {"case": %s, "comparison": %s, "unit": %s, "ours": %s, "reference": %s, "ratio": %s, "better": %s, "goal": %s, "met": %s}' \
            "$separator" "$(json_string "$c")" "$(json_string "$what")" "$(json_string "$unit")" "$ours" "$ref" \
            "$([ "$ratio" = inf ] && echo null || echo "$ratio")" \
            "$(json_string "$([ "$direction" = min ] && echo higher || echo lower)")" \
            "$([ "$goal" = - ] && echo null || echo "$goal")" \
            "$(case "$verdict" in met) echo true ;; -) echo null ;; *) echo false ;; esac)"
        separator=$',\n'
    done
    printf '\n  ]\n}\n'
} >"$W/results.json"

jq empty "$W/results.json" || die "the results written are not well-formed JSON"
"$HERE/chart.sh" "$W/results.json" >"$W/results.svg" || die "could not draw the chart of the results"
mv "$W/results.md" "$OUT_DIR/results.md"
mv "$W/results.json" "$OUT_DIR/results.json"
mv "$W/results.svg" "$OUT_DIR/results.svg"
echo
sed -n '/^## /,$p' "$OUT_DIR/results.md" | sed '/^## Every measurement/,$d'
log "done: the run took $DURATION s ($((DURATION / 60)) min $((DURATION % 60)) s) before writing the results; chart in $OUT_DIR/results.svg"
