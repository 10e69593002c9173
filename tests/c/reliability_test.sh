#!/usr/bin/env bash
# Defects found by killing and failing syscalls, each checked where it was found (strace injects the faults):
# dead owners' lock files, the owner-lock race, reserved names, SQLite's ENOSPC, the restore marker under
# ENOSPC, EINTR, paths with a trailing '/', empty snapshots and imports, the help text.
#   reliability_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: reliability_test.sh BUILD_DIR}" && pwd)
CTL=$BUILD/bin/snapshotctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-reliability.XXXXXX")
PROBE_PID=
cleanup() {
    [ -z "$PROBE_PID" ] || kill "$PROBE_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
unset SNAPSHOTTER_ROOT
# shellcheck source=tests/c/cli_helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_helpers.sh"
command -v strace >/dev/null || { echo "reliability_test: strace is required (apt-get install strace)"; exit 1; }
EXIT_INVALID_ARGUMENT=11 EXIT_IO=15 EXIT_CORRUPT=16 EXIT_NO_SPACE=18

SRC=$WORK/src
mkdir -p "$SRC/sub"
head -c 20000 /dev/urandom >"$SRC/a.bin"
printf 'two\n' >"$SRC/sub/b.txt"
# fresh_root NAME: an empty store path under WORK.
fresh_root() { ROOT=$WORK/$1; rm -rf "$ROOT"; }
# traced ARGS...: snapshotctl under strace with the inject options in TRACE (an array); leaves $status.
traced() { strace -f -qq -o /dev/null "${TRACE[@]}" "$CTL" "$@" >"$WORK/stdout" 2>"$WORK/stderr"; status=$?; }
owner_files() { find "$ROOT/metadata/owners" -type f 2>/dev/null | wc -l; }

# ------------------------------------------------ dead owners' lock files
# Killed right after it took its lock, before recording anything (its first read of the database).
fresh_root dead-owners
run --root "$ROOT" snapshot --name d --version v1 --base-dir "$SRC" --all
expect "a store to kill handles of" 0
for command in list verify gc; do
    TRACE=(-P "$ROOT/metadata/snapshotter.db" -e inject=pread64:signal=KILL:when=1)
    traced --root "$ROOT" list
    [ "$status" = 137 ] && ok "a handle killed before it recorded anything ($command)" \
        || fail "the kill did not happen: exit $status"
    run --root "$ROOT" "$command"
    expect "$command after the kill" 0
    [ "$(owner_files)" = 0 ] && ok "$command removed the dead owner's lock file" \
        || fail "$command left $(owner_files) lock file(s): $(ls "$ROOT/metadata/owners")"
done

# ------------------------------------------------ the owner-lock race
# A probe that takes every lock file it sees, as another process checking for dead owners does, holding each
# for long; the handle's flock comes 3 s after its lock file could first be seen (the probe polls every 1 ms).
fresh_root race
run --root "$ROOT" list
expect "a store for the race" 0
python3 - "$ROOT/metadata/owners" "$WORK/probe-ready" <<'PY' &
import fcntl, os, sys, time
owners, ready = sys.argv[1:]
while True:
    for name in os.listdir(owners):
        try:
            fd = os.open(os.path.join(owners, name), os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            time.sleep(10)
        except BlockingIOError:
            pass
        finally:
            os.close(fd)
    open(ready, "w").close()
    time.sleep(0.001)
PY
PROBE_PID=$!
for _ in $(seq 600); do [ -e "$WORK/probe-ready" ] && break; sleep 0.1; done
TRACE=(-e inject=flock:delay_enter=3000000:when=1)
traced --root "$ROOT" list
expect "a handle opening while another process probes owners" 0
kill "$PROBE_PID" 2>/dev/null
wait "$PROBE_PID" 2>/dev/null
PROBE_PID=

# ------------------------------------------------ reserved names
fresh_root reserved
mkdir -p "$WORK/marked"
cp "$SRC/a.bin" "$WORK/marked/a.bin"
printf 'not a marker\n' >"$WORK/marked/.snapshotter-incomplete-restore"
run --root "$ROOT" snapshot --name r --version v1 --base-dir "$WORK/marked" --all
expect "a base dir holding the restore marker's name" $EXIT_INVALID_ARGUMENT "\.snapshotter-incomplete-restore.*reserved"
run --root "$ROOT" snapshot --name r --version v1 --base-dir "$WORK/marked" --rw .snapshotter-incomplete-restore
expect "--rw naming the restore marker" $EXIT_INVALID_ARGUMENT "\.snapshotter-incomplete-restore.*reserved"
run --root "$ROOT" snapshot --name r --version v1 --base-dir "$WORK/marked" --ro a.bin
expect "a snapshot of the base dir's other files" 0
tar -C "$WORK/marked" -cf "$WORK/marked.tar" a.bin .snapshotter-incomplete-restore
run --root "$ROOT" import "$WORK/marked.tar" --name r --version v2
expect "an archive holding the restore marker's name" $EXIT_CORRUPT "\.snapshotter-incomplete-restore.*reserved"
run --root "$ROOT" verify
expect "verify after the refusals" 0

# ------------------------------------------------ SQLite's ENOSPC
# The -shm file grows with pwrite when a process first maps it: ENOSPC there is a full disk, not an I/O error.
fresh_root shm
run --root "$ROOT" list
expect "a store for SQLite's errors" 0
TRACE=(-P "$ROOT/metadata/snapshotter.db-shm" -e inject=pwrite64:error=ENOSPC)
traced --root "$ROOT" list
expect "ENOSPC extending the database's -shm file" $EXIT_NO_SPACE "No space left"
TRACE=(-P "$ROOT/metadata/snapshotter.db-shm" -e inject=pwrite64:error=EIO)
traced --root "$ROOT" list
expect "EIO extending the database's -shm file" $EXIT_IO
# Syncing the WAL at a commit: ENOSPC again.
TRACE=(-P "$ROOT/metadata/snapshotter.db-wal" -e inject=fdatasync:error=ENOSPC)
traced --root "$ROOT" snapshot --name s --version v1 --base-dir "$SRC" --all
expect "ENOSPC syncing the database's WAL" $EXIT_NO_SPACE "No space left"
# SQLite opens the database read-only when the read-write open fails, and the first write then fails as READONLY:
# a failure that passes is retried, one that stays is reported by its errno.
TRACE=(-P "$ROOT/metadata/snapshotter.db" -e inject=openat:error=EIO:when=1)
traced --root "$ROOT" list
expect "a read-write open of the database failing once" 0
TRACE=(-P "$ROOT/metadata/snapshotter.db" -e inject=openat:error=EIO:when=1+)
traced --root "$ROOT" list
expect "every open of the database failing with EIO" $EXIT_IO
run --root "$ROOT" verify
expect "verify after SQLite's errors" 0

# ------------------------------------------------ the restore marker under ENOSPC
fresh_root marker
run --root "$ROOT" snapshot --name m --version v1 --base-dir "$SRC" --all
expect "a snapshot to restore" 0
for syscall in pwrite64 fsync; do
    out=$WORK/out-$syscall
    TRACE=(-P "$out/.snapshotter-incomplete-restore" -e "inject=$syscall:error=ENOSPC")
    traced --root "$ROOT" restore m:v1 --output-dir "$out"
    expect "a restore whose marker fails to $syscall" $EXIT_NO_SPACE
    [ -z "$(ls -A "$out")" ] && ok "the failed restore removed the marker it made ($syscall)" \
        || fail "the failed restore left $(ls -A "$out")"
done

# ------------------------------------------------ EINTR
fresh_root eintr
# SQLite's own syncs are its business: the library's are interrupted on the restore's marker and output dir.
TRACE=(-e inject=rename,renameat2,link,linkat,flock:error=EINTR:when=1)
traced --root "$ROOT" snapshot --name e --version v1 --base-dir "$SRC" --all
expect "a snapshot whose first rename, link and flock are interrupted" 0
traced --root "$ROOT" restore e:v1 --output-dir "$WORK/out-eintr"
expect "a restore whose first rename, link and flock are interrupted" 0
cmp -s "$SRC/a.bin" "$WORK/out-eintr/a.bin" && ok "the interrupted restore wrote the files" || fail "a.bin differs after EINTR"
TRACE=(-P "$WORK/out-sync" -P "$WORK/out-sync/.snapshotter-incomplete-restore" -e inject=fsync,fdatasync:error=EINTR:when=1)
traced --root "$ROOT" restore e:v1 --output-dir "$WORK/out-sync"
expect "a restore whose syncs of its marker and output dir are interrupted" 0

# ------------------------------------------------ paths, empty snapshots, help
fresh_root paths
run --root "$ROOT" snapshot --name p --version v1 --base-dir "$SRC" --rw a.bin/
expect "--rw with a trailing '/' on a file" $EXIT_INVALID_ARGUMENT "a\.bin/.*directory"
run --root "$ROOT" snapshot --name p --version v1 --base-dir "$SRC" --ro sub/b.txt/
expect "--ro with a trailing '/' on a file" $EXIT_INVALID_ARGUMENT "sub/b\.txt/"
mkdir -p "$WORK/empty"
run --root "$ROOT" snapshot --name p --version v1 --base-dir "$WORK/empty" --all
expect "--all over an empty directory" $EXIT_INVALID_ARGUMENT "no files"
run --root "$ROOT" snapshot --name p --version v1 --base-dir "$WORK/empty" --all --allow-empty
expect "--all --allow-empty over an empty directory" 0
tar -C "$WORK/empty" -cf "$WORK/empty.tar" .
run --root "$ROOT" import "$WORK/empty.tar" --name p --version v2
expect "importing an archive of no files" $EXIT_INVALID_ARGUMENT "no files"
run --root "$ROOT" export p:v1 -o "$WORK/p.tar"
expect "exporting the empty snapshot" 0
run --root "$ROOT" delete p:v1
expect "deleting it" 0
run --root "$ROOT" import "$WORK/p.tar"
expect "importing an export that says it is empty" 0
run --help
if grep -q '%%' "$WORK/stdout"; then fail "--help prints '%%': $(grep '%%' "$WORK/stdout")"; else ok "--help prints '%' as '%'"; fi

[ "$failures" = 0 ]
