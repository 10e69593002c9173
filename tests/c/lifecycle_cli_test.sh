#!/usr/bin/env bash
# snapshotctl's lifecycle commands end to end, as root with real mounts: prepare, mounts, commit, view,
# tree, usage, info, label, rm, with --json, and the exit statuses of what the library refuses. Runs the
# design notes' scenario: P0 -> a -> P1, P0 -> b -> P2 (parent P0), and `tree` draws both branches.
#   lifecycle_cli_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: lifecycle_cli_test.sh BUILD_DIR}" && pwd)
CTL=$BUILD/bin/snapshotctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-lifecycle.XXXXXX")
MNT=$WORK/mnt
mkdir -p "$MNT"
trap 'umount "$MNT" 2>/dev/null; rm -rf "$WORK"' EXIT
export SNAPSHOTTER_ROOT=$WORK/root
# shellcheck source=tests/c/cli_helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_helpers.sh"
# json WHAT PYTHON_EXPR: stdout is one JSON object d for which PYTHON_EXPR holds.
json() {
    if python3 - "$WORK/stdout" "$2" <<'PY'; then ok "$1"; else fail "$1"; show; fi
import json, sys
d = json.loads(open(sys.argv[1], encoding="utf-8").read())
assert eval(sys.argv[2]), "%s is false for %s" % (sys.argv[2], d)
PY
}
# mount_printed: runs the mount(8) commands the last prepare/view/mounts printed (with --target $MNT).
mount_printed() { sh -e "$WORK/stdout"; }

# P0: an active over nothing, written through its mount, committed.
run prepare base --target "$MNT"
expect "prepare over nothing" 0
grep -q "^mount -t bind .* $MNT -o rw,rbind$" "$WORK/stdout" && ok "prepare prints a bind mount command" || { fail "mount command"; show; }
mount_printed
printf 'keep\n' >"$MNT/keep.txt"
printf 'old\n' >"$MNT/change.txt"
umount "$MNT"
run commit P0 base --label stage=base
expect "commit P0" 0 ""
grep -q "^commit lifecycle:[0-9]* as P0: 2 files" "$WORK/stdout" && ok "commit names the snapshot it recorded" || { fail "commit output"; show; }

# P1 from a over P0, P2 from b over P0.
run --json prepare a P0 --target "$MNT"
json "prepare --json lists an overlay" 'd["mounts"][0]["type"] == "overlay" and any(o.startswith("lowerdir=") for o in d["mounts"][0]["options"])'
run mounts a --target "$MNT"
mount_printed
printf 'new\n' >"$MNT/change.txt"
printf 'a\n' >"$MNT/a.txt"
umount "$MNT"
run commit P1 a
expect "commit P1" 0
run prepare b P0 --target "$MNT"
mount_printed
rm "$MNT/keep.txt"
umount "$MNT"
run --json commit P2 b --name rootfs --version v2
json "commit --json names the store snapshot" 'd["name"] == "rootfs" and d["version"] == "v2" and d["lifecycle"] == "P2" and d["files"] == 0'

run --json info P2
json "P2's parent is P0, not P1" 'd["snapshot"]["parent"] == "P0" and d["snapshot"]["kind"] == "committed" and d["snapshot"]["snapshot"] == {"name": "rootfs", "version": "v2"}'
run info P1
grep -q "^parent:    P0$" "$WORK/stdout" && ok "info shows P1's parent" || { fail "info P1"; show; }
run tree
printf ' P0\n  \\_ P1\n  \\_ P2\n' | diff - "$WORK/stdout" >/dev/null && ok "tree draws both branches as ctr does" || { fail "tree"; show; }
run --json tree
json "tree --json" '[c["key"] for c in d["tree"][0]["children"]] == ["P1", "P2"]'

# A view of P2 lacks what P1 changed.
run view v P2 --target "$MNT"
mount_printed
[ "$(cat "$MNT/change.txt")" = old ] && [ ! -e "$MNT/keep.txt" ] && [ ! -e "$MNT/a.txt" ] && ok "the view shows P2" || fail "view of P2"
touch "$MNT/x" 2>/dev/null && fail "the view is writable" || ok "the view is read-only"
umount "$MNT"
run restore rootfs:v2 --output-dir "$WORK/restored"
expect "P2's snapshot restores" 0
[ "$(cat "$WORK/restored/change.txt")" = old ] && [ ! -e "$WORK/restored/keep.txt" ] && ok "as P2's files" || fail "restored P2"

run label P0 --label stage= --label team=red
expect "label" 0
grep -q "^label:     team=red$" "$WORK/stdout" && ! grep -q "stage=" "$WORK/stdout" && ok "label sets and removes" || { fail "labels"; show; }
run --json usage
json "usage --json lists every snapshot" 'sorted(u["key"] for u in d["usage"]) == ["P0", "P1", "P2", "v"] and all(u["inodes"] >= 1 or u["key"] == "v" for u in d["usage"])'

# Refusals, with their exit statuses (10 + the library's code).
run rm P0
expect "removing a parent" 24 "FAILED_PRECONDITION: .*child"
run commit X v
expect "committing a view" 24 "FAILED_PRECONDITION"
run prepare P1
expect "a key in use" 13 "ALREADY_EXISTS"
run prepare c v
expect "a view as parent" 24 "FAILED_PRECONDITION"
run info nobody
expect "an unknown key" 12 "NOT_FOUND"
run prepare big --label "k=$(head -c 5000 /dev/zero | tr '\0' x)"
expect "labels over 4 KiB" 11 "4096"
run label P0 --label novalue
expect "a label without =" 2 "K=V"
run --json delete rootfs:v2
json "the store snapshot of P2 goes only with P2" 'd["error"]["code"] == "FAILED_PRECONDITION"'

for key in v P1 P2 P0; do
    run rm "$key"
    expect "rm $key" 0
done
run tree
[ ! -s "$WORK/stdout" ] && ok "nothing left" || { fail "tree after rm"; show; }
[ -z "$(ls -A "$SNAPSHOTTER_ROOT/lifecycle")" ] && ok "no directory left" || fail "directories left"

echo "--- summary ---"
echo "$failures failed"
[ "$failures" = 0 ]
