#!/usr/bin/env bash
# A store on a real, full filesystem (an 8 MiB tmpfs, mounted here as root): snapshots and restores that need
# space fail with NO_SPACE, and nothing stored is lost or corrupted; delete and gc work on the full disk and
# free space; once space is back, the store verifies, every snapshot restores byte for byte, nothing is left
# behind, and the failed calls succeed.
#   full_disk_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: full_disk_test.sh BUILD_DIR}" && pwd)
CTL=$BUILD/bin/snapshotctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-full.XXXXXX")
MNT=$WORK/mnt
cleanup() {
    mountpoint -q "$MNT" && umount "$MNT"
    rm -rf "$WORK"
}
trap cleanup EXIT
unset SNAPSHOTTER_ROOT
# shellcheck source=tests/c/cli_helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_helpers.sh"
[ "$(id -u)" = 0 ] || { echo "full_disk_test: needs root to mount a tmpfs"; exit 1; }
EXIT_NO_SPACE=18

mkdir -p "$MNT"
mount -t tmpfs -o size=8m tmpfs "$MNT" || { echo "full_disk_test: cannot mount a tmpfs"; exit 1; }
ROOT=$MNT/root SRC=$WORK/src
mkdir -p "$SRC/one" "$SRC/two" "$SRC/big"
# Deleting it must free more than the 2 MiB the store wants before it takes its 1 MiB space reserve back.
head -c 2500000 /dev/urandom >"$SRC/one/a.bin"
printf 'one\n' >"$SRC/one/b.txt"
head -c 200000 /dev/urandom >"$SRC/two/c.bin"
truncate -s 4M "$SRC/two/sparse.img"
printf 'x' | dd of="$SRC/two/sparse.img" bs=1 seek=2000000 conv=notrunc status=none
chmod 0750 "$SRC/two/c.bin"
head -c 2000000 /dev/urandom >"$SRC/big/new.bin"

run --root "$ROOT" snapshot --name one --version v1 --base-dir "$SRC/one" --all
expect "a snapshot before the disk fills" 0
run --root "$ROOT" snapshot --name two --version v1 --base-dir "$SRC/two" --all --ro c.bin
expect "a second one" 0
cp -a "$SRC/two" "$SRC/two-v2"
head -c 200000 /dev/urandom >"$SRC/two-v2/c.bin"
run --root "$ROOT" snapshot --name two --version v2 --base-dir "$SRC/two-v2" --all --ro c.bin
expect "a second version of it" 0

# same_tree WHAT A B: the regular files below A and B are equal in content, mode and data/hole map.
same_tree() {
    if python3 - "$2" "$3" <<'PY'; then ok "$1"; else fail "$1"; fi
import hashlib, os, sys
def state(root):
    out = {}
    for d, _, files in os.walk(root):
        for n in files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            fd = os.open(p, os.O_RDONLY)
            data, off = [], 0
            while off < st.st_size:
                try:
                    s = os.lseek(fd, off, os.SEEK_DATA)
                except OSError:
                    break
                off = os.lseek(fd, s, os.SEEK_HOLE)
                data.append((s, off))
            os.close(fd)
            out[os.path.relpath(p, root)] = (hashlib.sha256(open(p, "rb").read()).hexdigest(), st.st_mode & 0o7777, data)
    return out
a, b = state(sys.argv[1]), state(sys.argv[2])
if a != b:
    print("differ:", sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)))
    sys.exit(1)
PY
}
# committed_restore WHEN SNAPSHOT:SOURCE...: each snapshot restores (into the big disk) as it was taken.
committed_restore() {
    local when=$1 pair
    shift
    for pair in "$@"; do
        rm -rf "$WORK/check"
        run --root "$ROOT" restore "${pair%%=*}" --output-dir "$WORK/check"
        expect "${pair%%=*} restores $when" 0
        same_tree "${pair%%=*} restores byte for byte $when" "${pair#*=}" "$WORK/check"
    done
}
# fill: the filesystem full to the last block.
fill() {
    dd if=/dev/zero of="$MNT/filler.$1" bs=64k status=none 2>/dev/null
    dd if=/dev/zero of="$MNT/filler-tail.$1" bs=512 status=none 2>/dev/null
    [ "$(stat -f -c %a "$MNT")" = 0 ] && ok "the tmpfs is full ($1)" || fail "the tmpfs still has $(stat -f -c %a "$MNT") free blocks"
}
fill 1

run --root "$ROOT" snapshot --name big --version v1 --base-dir "$SRC/big" --all
expect "a snapshot of new content on the full disk" $EXIT_NO_SPACE "No space|NO_SPACE"
mkdir -p "$WORK/outside"
# More than the space reserve the store releases when it opens on a full disk.
run --root "$ROOT" restore one:v1 --output-dir "$MNT/out"
expect "a restore into the full disk" $EXIT_NO_SPACE "No space|NO_SPACE"
[ ! -e "$MNT/out" ] || [ -z "$(ls -A "$MNT/out" | grep -vx '.snapshotter-incomplete-restore')" ] \
    && ok "the failed restore placed nothing" || fail "the failed restore left $(ls -A "$MNT/out")"

# On the full disk, delete and gc free the space of what they remove.
free_before=$(stat -f -c %a "$MNT")
run --root "$ROOT" delete one:v1
expect "delete on the full disk" 0
[ "$(stat -f -c %a "$MNT")" -gt "$free_before" ] && ok "delete freed space" || fail "delete freed nothing"
fill 2
free_before=$(stat -f -c %a "$MNT")
run --root "$ROOT" --keep-last 1 --min-retention 0 gc
expect "gc on the full disk" 0
[ "$(stat -f -c %a "$MNT")" -gt "$free_before" ] && ok "gc freed space" || fail "gc freed nothing"
run --root "$ROOT" list
grep -qE '^two +v1 ' "$WORK/stdout" && fail "gc kept two:v1: $(cat "$WORK/stdout")" || ok "gc evicted two:v1"
committed_restore "on the full disk" "two:v2=$SRC/two-v2"

# Space back: nothing was lost or damaged, nothing is left behind, and the failed calls succeed.
rm -f "$MNT"/filler*
run --root "$ROOT" verify
expect "verify once space is back" 0
committed_restore "after the full disk" "two:v2=$SRC/two-v2"
run --root "$ROOT" list
grep -q '^big' "$WORK/stdout" && fail "the failed snapshot is listed" || ok "the failed snapshot is absent"
run --root "$ROOT" gc
expect "gc" 0
left=$(find "$ROOT/metadata/owners" "$ROOT/storage" -name '.*' -o -path '*/owners/*' -type f | wc -l)
[ "$left" = 0 ] && ok "no temporary or lock file is left" || fail "left: $(find "$ROOT/metadata/owners" "$ROOT/storage" -name '.*' -o -path '*/owners/*' -type f)"
run --root "$ROOT" snapshot --name big --version v1 --base-dir "$SRC/big" --all
expect "the snapshot succeeds once space is back" 0
rm -rf "$MNT/out"
run --root "$ROOT" restore two:v2 --output-dir "$MNT/out"
expect "the restore succeeds once space is back" 0
same_tree "two:v2 restored into the tmpfs byte for byte" "$SRC/two-v2" "$MNT/out"

[ "$failures" = 0 ]
