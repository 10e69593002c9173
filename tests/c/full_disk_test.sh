#!/usr/bin/env bash
# A store on a real, full filesystem (an 8 MiB tmpfs, mounted here as root): snapshots and restores that need
# space fail with NO_SPACE, and nothing stored is lost or corrupted; once space is back, the store verifies,
# every snapshot restores byte for byte, nothing is left behind, and the failed calls succeed.
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
head -c 300000 /dev/urandom >"$SRC/one/a.bin"
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
# committed_restore: both snapshots restore (into the big disk) as they were taken.
committed_restore() {
    for snapshot in one two; do
        rm -rf "$WORK/check"
        run --root "$ROOT" restore "$snapshot:v1" --output-dir "$WORK/check"
        expect "$snapshot:v1 restores $1" 0
        same_tree "$snapshot:v1 restores byte for byte $1" "$SRC/$snapshot" "$WORK/check"
    done
}

# Fill the filesystem to the last block.
dd if=/dev/zero of="$MNT/filler" bs=64k status=none 2>/dev/null
dd if=/dev/zero of="$MNT/filler-tail" bs=512 status=none 2>/dev/null
[ "$(stat -f -c %a "$MNT")" = 0 ] && ok "the tmpfs is full" || fail "the tmpfs still has $(stat -f -c %a "$MNT") free blocks"

run --root "$ROOT" snapshot --name big --version v1 --base-dir "$SRC/big" --all
expect "a snapshot of new content on the full disk" $EXIT_NO_SPACE "No space|NO_SPACE"
mkdir -p "$WORK/outside"
run --root "$ROOT" restore two:v1 --output-dir "$MNT/out"
expect "a restore into the full disk" $EXIT_NO_SPACE "No space|NO_SPACE"
[ ! -e "$MNT/out" ] || [ -z "$(ls -A "$MNT/out" | grep -vx '.snapshotter-incomplete-restore')" ] \
    && ok "the failed restore placed nothing" || fail "the failed restore left $(ls -A "$MNT/out")"

# Space back: nothing was lost or damaged, nothing is left behind, and the failed calls succeed.
rm -f "$MNT/filler" "$MNT/filler-tail"
run --root "$ROOT" verify
expect "verify once space is back" 0
committed_restore "after the full disk"
run --root "$ROOT" list
grep -q '^big' "$WORK/stdout" && fail "the failed snapshot is listed" || ok "the failed snapshot is absent"
run --root "$ROOT" gc
expect "gc" 0
left=$(find "$ROOT/metadata/owners" "$ROOT/storage" -name '.*' -o -path '*/owners/*' -type f | wc -l)
[ "$left" = 0 ] && ok "no temporary or lock file is left" || fail "left: $(find "$ROOT/metadata/owners" "$ROOT/storage" -name '.*' -o -path '*/owners/*' -type f)"
run --root "$ROOT" snapshot --name big --version v1 --base-dir "$SRC/big" --all
expect "the snapshot succeeds once space is back" 0
rm -rf "$MNT/out"
run --root "$ROOT" restore two:v1 --output-dir "$MNT/out"
expect "the restore succeeds once space is back" 0
same_tree "two:v1 restored into the tmpfs byte for byte" "$SRC/two" "$MNT/out"

[ "$failures" = 0 ]
