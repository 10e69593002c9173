#!/usr/bin/env bash
# A lifecycle commit records the whole tree its mounts show, as root with real overlay mounts through
# snapshotctl: a parent of directories (one empty), symlinks, a FIFO, a hardlink group and xattrs; an
# active over it that adds entries of every type, changes a file into a symlink and a directory into a
# file, deletes a directory (a whiteout) and makes one opaque. The committed snapshot's restore is compared
# with a view of it by tests/tree/compare.py.
#   lifecycle_tree_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: lifecycle_tree_test.sh BUILD_DIR}" && pwd)
CTL=$BUILD/bin/snapshotctl
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMPARE=$HERE/../tree/compare.py
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-lifecycle-tree.XXXXXX")
MNT=$WORK/mnt
mkdir -p "$MNT"
trap 'umount "$MNT" 2>/dev/null; rm -rf "$WORK"' EXIT
export SNAPSHOTTER_ROOT=$WORK/root
# shellcheck source=tests/c/cli_helpers.sh
. "$HERE/cli_helpers.sh"
mount_printed() { sh -e "$WORK/stdout"; }
setxattr() { python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode(), follow_symlinks=False)' "$@"; }

run prepare base --target "$MNT"
expect "prepare the parent" 0
mount_printed
(
    set -e
    cd "$MNT"
    mkdir -p d/sub empty opaque gone/deep tofile
    echo a >d/a.txt
    chmod 0750 d
    chmod 0700 empty
    setxattr d user.tag dir
    ln -s d/a.txt link
    ln -s ../nowhere dangling
    mkfifo fifo
    echo linked >h1
    ln h1 h2
    ln h1 h3
    echo x >x.txt
    setxattr x.txt user.color blue
    echo inner >tofile/inner.txt
    echo old >opaque/old.txt
    echo gone >gone/deep/g.txt
    echo to-be-a-link >tolink.txt
)
umount "$MNT"
run commit P0 base --name tree --version p0
expect "commit the parent" 0

run prepare work P0 --target "$MNT"
expect "prepare over it" 0
mount_printed
(
    set -e
    cd "$MNT"
    mkdir -p new/dir
    ln -s ../x.txt new/link
    mkfifo new/fifo
    mknod new/null c 1 3
    echo n >n1
    ln n1 n2
    rm tolink.txt && ln -s x.txt tolink.txt
    rm -r tofile && echo now-a-file >tofile
    rm -r gone
    rm -r opaque && mkdir opaque && echo new >opaque/new.txt
    rm h1
    setxattr d/a.txt user.changed after
    chmod 0711 empty
    rm fifo
)
umount "$MNT"
python3 -c '
import glob, os, sys
def opaque(p):
    try: return os.getxattr(p, "trusted.overlay.opaque") == b"y"
    except OSError: return False
sys.exit(not any(opaque(p) for p in glob.glob(sys.argv[1])))' "$SNAPSHOTTER_ROOT/lifecycle/*/fs/opaque" \
    && ok "the layer has an opaque directory" || fail "no opaque directory in the layer"
run commit P1 work --name tree --version p1
expect "commit the changes" 0

run view v P1 --target "$MNT"
expect "view the commit" 0
mount_printed
run restore tree:p1 --output-dir "$WORK/restored"
expect "restore the committed snapshot" 0
# A file overlayfs copied up carries trusted.overlay.* attributes of its own, which can take a block on
# disk that the snapshot rightly leaves out: allocated blocks are not compared.
python3 "$COMPARE" "$MNT" "$WORK/restored" | grep -v -e ': allocated blocks: ' -e ' difference(s) between ' >"$WORK/differences"
[ ! -s "$WORK/differences" ] && ok "the restore is the tree the view shows" || { fail "restore differs from the view"; cat "$WORK/differences"; }
for path in gone fifo opaque/old.txt; do
    [ ! -e "$WORK/restored/$path" ] && [ ! -L "$WORK/restored/$path" ] && ok "$path is removed" || fail "$path restored"
done
[ "$(stat -c %F "$WORK/restored/new/null")" = "character special file" ] && [ "$(stat -c %t:%T "$WORK/restored/new/null")" = 1:3 ] \
    && ok "a device is recorded, the whiteouts are not" || fail "new/null"
[ "$(stat -c %i "$WORK/restored/h2")" = "$(stat -c %i "$WORK/restored/h3")" ] && ok "the parent's hardlink group is kept without its removed path" || fail "h2/h3"
umount "$MNT"

for key in v P1 P0; do
    run rm "$key"
    expect "rm $key" 0
done

echo "--- summary ---"
echo "$failures failed"
[ "$failures" = 0 ]
