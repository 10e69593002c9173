#!/usr/bin/env bash
# snapshotctl import of archives crafted to write outside the snapshot (hostile_tar.py): a member beneath a
# symlink member, '..', absolute paths, hard links to paths outside the archive, to nothing or to later
# members. Each is refused by name (exit 16, CORRUPT) leaving no snapshot and no temporary file; what is
# harmless by construction (links pointing anywhere) imports, and its restore writes nothing outside the
# output dir and recreates the links as links.
#   import_safety_cli_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: import_safety_cli_test.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CTL=$BUILD/bin/snapshotctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-import-safety.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
unset SNAPSHOTTER_ROOT
# shellcheck source=tests/c/cli_helpers.sh
. "$HERE/cli_helpers.sh"

OUTSIDE=$WORK/outside
mkdir -p "$OUTSIDE" "$WORK/archives"
python3 "$HERE/hostile_tar.py" "$WORK/archives" "$OUTSIDE" >"$WORK/cases" || { echo "hostile_tar.py failed"; exit 1; }

cases=0
while read -r name code needle; do
    cases=$((cases + 1))
    root=$WORK/root-$name
    run --root "$root" import "$WORK/archives/$name.tar" --name "$name" --version v1
    if [ "$code" = OK ]; then
        expect "$name imports" 0
        out=$WORK/out-$name
        run --root "$root" restore "$name:v1" --output-dir "$out"
        expect "$name restores" 0
        [ "$(readlink "$out/absolute")" = "$OUTSIDE/planted" ] && [ "$(readlink "$out/root")" = / ] \
            && [ "$(readlink "$out/dir/up")" = .. ] && ok "$name: the links are links with their targets" \
            || { fail "$name: links not restored as links"; ls -laR "$out"; }
        inode=$(stat -c %i "$out/dir/file" 2>/dev/null)
        [ -n "$inode" ] && [ "$inode" = "$(stat -c %i "$out/dir/same")" ] && ok "$name: the hard link shares its inode" \
            || fail "$name: the hard link is not restored as one"
    else
        expect "$name is refused by name" 16 "CORRUPT: .*$needle"
        run --root "$root" list --json
        python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["snapshots"] == [] else 1)' "$WORK/stdout" \
            && ok "$name: no snapshot stored" || { fail "$name: a snapshot was stored"; show; }
        leftovers=$(find "$root" -name '.*' -type f | wc -l)
        [ "$leftovers" = 0 ] && ok "$name: no temporary file left" || fail "$name: $leftovers temporary files left"
    fi
done <"$WORK/cases"

[ -z "$(ls -A "$OUTSIDE")" ] && ok "nothing was written outside the snapshot" || { fail "written outside:"; ls -la "$OUTSIDE"; }
[ "$cases" -ge 14 ] && ok "$cases crafted archives" || fail "only $cases crafted archives"
echo "--- summary ---"
echo "$cases crafted archives, $failures failures"
[ "$failures" = 0 ]
