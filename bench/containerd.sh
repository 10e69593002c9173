# Sourced by bench/run.sh: case 5, containerd's snapshot lifecycle through a real containerd daemon and
# `ctr snapshot`, the adapter served as a proxy plugin against containerd's own overlayfs snapshotter, the
# same ctr commands for both. A tree of CONTAINERD_FILES files (CONTAINERD_MIB MiB in all) is committed,
# prepared again, CHANGED_PERCENT % of its files are rewritten and the result is committed.
#
# Uses run.sh's helpers (measure, compare, compare_value, warm, log, die) and its settings and paths
# (ROUNDS, SMOKE, CHANGED_PERCENT, CONTAINERD_FILES, CONTAINERD_MIB, W, GEN, ROOT_DIR, BUILD).

# containerd_case_start: builds the proxy plugin (GOPATH mode), starts it and a containerd of its own with
# it as the snapshotter "libsnapshotter"; both are stopped by containerd_case_stop (also on exit).
containerd_case_start() {
    # Unix socket paths are limited to 108 bytes: the sockets get a short directory of their own.
    CTRD_SOCKETS=$(mktemp -d /tmp/ctrd-bench.XXXXXX)
    CTRD=$W/containerd
    mkdir -p "$CTRD"
    (
        . "$ROOT_DIR/tests/containerd/gopath.sh"
        containerd_gopath "$ROOT_DIR" "$BUILD"
        go build -o "$CTRD/containerd-libsnapshotter" libsnapshotter.dev/bindings/go/containerd/cmd/containerd-libsnapshotter
    ) || die "could not build the containerd proxy plugin"
    "$CTRD/containerd-libsnapshotter" -root "$CTRD/store" -address "$CTRD_SOCKETS/plugin.sock" >"$CTRD/plugin.log" 2>&1 &
    CTRD_PLUGIN_PID=$!
    cat >"$CTRD/config.toml" <<TOML
version = 2
root = "$CTRD/root"
state = "$CTRD_SOCKETS/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTRD_SOCKETS/containerd.sock"
[ttrpc]
  address = "$CTRD_SOCKETS/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD/opt"
[proxy_plugins.libsnapshotter]
  type = "snapshot"
  address = "$CTRD_SOCKETS/plugin.sock"
TOML
    containerd --config "$CTRD/config.toml" >"$CTRD/containerd.log" 2>&1 &
    CTRD_PID=$!
    local tries
    for ((tries = 0; tries < 600; tries++)); do
        if ctr --address "$CTRD_SOCKETS/containerd.sock" snapshot --snapshotter libsnapshotter ls >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$CTRD_PID" 2>/dev/null || { tail -n 20 "$CTRD/containerd.log" >&2; die "containerd exited while starting"; }
        kill -0 "$CTRD_PLUGIN_PID" 2>/dev/null || { tail -n 20 "$CTRD/plugin.log" >&2; die "the proxy plugin exited while starting"; }
        sleep 0.1
    done
    die "containerd and the proxy plugin did not answer within 60 s"
}

containerd_case_stop() {
    local pid
    [ -z "${CTRD_MOUNT:-}" ] || ! mountpoint -q "$CTRD_MOUNT" || umount "$CTRD_MOUNT"
    for pid in ${CTRD_PID:-} ${CTRD_PLUGIN_PID:-}; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    CTRD_PID= CTRD_PLUGIN_PID=
    [ -z "${CTRD_SOCKETS:-}" ] || rm -rf "$CTRD_SOCKETS"
}

# ctr_sn SNAPSHOTTER ARGS...: ctr snapshot against the daemon, for the untimed steps (measure runs its
# command under /usr/bin/time, which runs programs, not shell functions: it gets the ctr command itself).
ctr_sn() {
    local snapshotter=$1
    shift
    ctr --address "$CTRD_SOCKETS/containerd.sock" snapshot --snapshotter "$snapshotter" "$@"
}

# with_mounted SNAPSHOTTER KEY COMMAND...: runs COMMAND with the active KEY mounted at $CTRD_MOUNT.
with_mounted() {
    local snapshotter=$1 key=$2
    shift 2
    local line
    while IFS= read -r line; do
        # mount -t TYPE SOURCE TARGET -o OPTIONS, as ctr prints it
        eval "$line" || die "could not mount $key of $snapshotter: $line"
    done < <(ctr_sn "$snapshotter" mounts "$CTRD_MOUNT" "$key")
    "$@" || { umount "$CTRD_MOUNT"; die "$key of $snapshotter: $* failed"; }
    umount "$CTRD_MOUNT"
}

# remove_keys SNAPSHOTTER KEY...: removes those of the keys that exist, children first.
remove_keys() {
    local snapshotter=$1 key
    shift
    for key in "$@"; do
        ! ctr_sn "$snapshotter" info "$key" >/dev/null 2>&1 || ctr_sn "$snapshotter" rm "$key" >/dev/null
    done
}

fill_tree() { cp -a "$CTRD_SRC/." "$CTRD_MOUNT/"; }
rewrite_some() {
    local path
    for path in "${CTRD_CHANGED[@]}"; do "$GEN" rewrite "$CTRD_MOUNT/$path" 77; done
}
same_as_source() { diff -r --no-dereference "$CTRD_SRC" "$CTRD_MOUNT" >/dev/null || die "$CTRD_SN: the committed tree differs from its source"; }

# The untimed steps before each round of a measurement, for the snapshotter in CTRD_SN.
before_first_commit() {
    remove_keys "$CTRD_SN" next2 next base base-active
    ctr_sn "$CTRD_SN" prepare base-active >/dev/null
    with_mounted "$CTRD_SN" base-active fill_tree
}
before_prepare() { remove_keys "$CTRD_SN" next2 next; }
before_second_commit() {
    remove_keys "$CTRD_SN" next2 next
    ctr_sn "$CTRD_SN" prepare next base >/dev/null
    with_mounted "$CTRD_SN" next rewrite_some
}

run_containerd_case() {
    local tool changed_count every ctr
    # A prepare takes milliseconds, less than the start of ctr varies from run to run: five times the
    # rounds, so that the fastest of them is its cost rather than noise (one in the smoke run).
    local prepare_rounds=$((ROUNDS * 5))
    [ "$SMOKE" != 1 ] || prepare_rounds=1
    log "containerd: generating $CONTAINERD_FILES files, $CONTAINERD_MIB MiB in all"
    CTRD_SRC=$W/containerd-src
    local mean=$((CONTAINERD_MIB * MiB / CONTAINERD_FILES))
    "$GEN" tree "$CTRD_SRC" "$CONTAINERD_FILES" $((mean / 2)) $((mean * 3 / 2)) 10
    every=$((100 / CHANGED_PERCENT))
    mapfile -t CTRD_CHANGED < <(cd "$CTRD_SRC" && find . -type f | LC_ALL=C sort | awk -v n="$every" 'NR % n == 1')
    changed_count=${#CTRD_CHANGED[@]}
    [ "$changed_count" -gt 0 ] || die "no file was chosen to change in the containerd case"
    CONTAINERD_CHANGED=$changed_count
    warm "$CTRD_SRC"

    containerd_case_start
    CTRD_MOUNT=$W/containerd-mnt
    mkdir -p "$CTRD_MOUNT"
    for CTRD_SN in libsnapshotter overlayfs; do
        tool="ctr + $CTRD_SN"
        ctr=(ctr --address "$CTRD_SOCKETS/containerd.sock" snapshot --snapshotter "$CTRD_SN")
        log "containerd, $CTRD_SN: commit of the tree, prepare from it, commit of $changed_count changed files (best of $ROUNDS; prepare: $prepare_rounds)"
        BEFORE=before_first_commit
        measure containerd "first commit" "$tool" "$ROUNDS" - "${ctr[@]}" commit base base-active
        # An active, not a view: ctr labels what it prepares a root for containerd's collector, which runs
        # soon after the commit's removal of its active and would take an unlabelled view.
        ctr_sn "$CTRD_SN" prepare check base >/dev/null
        with_mounted "$CTRD_SN" check same_as_source
        remove_keys "$CTRD_SN" check
        BEFORE=before_prepare
        measure containerd "prepare from the committed tree" "$tool" "$prepare_rounds" - "${ctr[@]}" prepare next base
        BEFORE=before_second_commit
        measure containerd "second commit ($CHANGED_PERCENT % changed)" "$tool" "$ROUNDS" - "${ctr[@]}" commit next2 next
        BEFORE=
        remove_keys "$CTRD_SN" next2 next base
    done
    CONTAINERD_PLUGIN_PEAK_KIB=$(sed -n 's/^VmHWM:\s*\([0-9]*\) kB$/\1/p' "/proc/$CTRD_PLUGIN_PID/status")
    containerd_case_stop
    rm -rf "$CTRD_SRC" "$CTRD"

    local ours="ctr + libsnapshotter" ref="ctr + overlayfs"
    compare containerd "prepare vs overlayfs" "containerd|prepare from the committed tree|$ours" \
        "containerd|prepare from the committed tree|$ref" 1.2
    compare containerd "second commit vs first commit" "containerd|second commit ($CHANGED_PERCENT % changed)|$ours" \
        "containerd|first commit|$ours" 0.1
    compare containerd "first commit vs overlayfs" "containerd|first commit|$ours" "containerd|first commit|$ref" -
    compare containerd "second commit vs overlayfs" "containerd|second commit ($CHANGED_PERCENT % changed)|$ours" \
        "containerd|second commit ($CHANGED_PERCENT % changed)|$ref" -
    compare_value containerd "peak memory of the proxy plugin (whole case)" KiB "$CONTAINERD_PLUGIN_PEAK_KIB" 65536 max -
}
