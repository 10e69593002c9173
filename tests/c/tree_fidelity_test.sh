#!/usr/bin/env bash
# Whole-tree fidelity: a tree holding every kind of entry (tests/tree/generate.py) goes through each way the
# library brings a tree back, and each result must equal `rsync -aHAXS` of the same tree, entry by entry
# (tests/tree/compare.py: type, mode, owner, bytes, holes and blocks, link targets, devices, xattrs and ACLs,
# ns mtimes, hardlink groups). The ways: snapshotctl snapshot --all then restore (fresh, in place over a
# changed tree, through a registry to another root), export then GNU tar's extraction, GNU tar's archive
# then import and restore; and again, but for the in-place restore, through the C ABI, the Go binding and
# the Rust binding (tests/tree/roundtrip.c and its two twins).
# Sockets are left out of the comparison: a snapshot skips them and names each in a warning.
#   tree_fidelity_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: tree_fidelity_test.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TREE=$HERE/../tree
CTL=$BUILD/bin/snapshotctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-tree.XXXXXX")
# shellcheck source=tests/services.sh
. "$HERE/../services.sh"
cleanup() {
    stop_services
    rm -rf "$WORK"
}
trap cleanup EXIT
unset SNAPSHOTTER_ROOT
# shellcheck source=tests/c/cli_helpers.sh
. "$HERE/cli_helpers.sh"

SRC=$WORK/src REFERENCE=$WORK/reference
python3 "$TREE/generate.py" "$SRC" || { echo "the tree generator failed"; exit 1; }
rsync -aHAXS "$SRC/" "$REFERENCE/" || { echo "rsync -aHAXS of the tree failed"; exit 1; }

# same_as_reference WHAT DIR: DIR holds what the reference holds, sockets aside.
same_as_reference() {
    if python3 "$TREE/compare.py" --skip-sockets "$REFERENCE" "$2" >"$WORK/compare.out" 2>&1; then
        ok "$1: the tree equals rsync -aHAXS's"
    else
        fail "$1: the tree differs from rsync -aHAXS's:"
        sed 's/^/        /' "$WORK/compare.out"
    fi
}
# extracted_same_as_reference WHAT ARCHIVE DIR: GNU tar extracts our export ARCHIVE into DIR as its docs say
# (as root: owners, devices and every xattr namespace), and DIR/files holds what the reference holds.
extracted_same_as_reference() {
    mkdir "$3"
    if tar --xattrs --xattrs-include='*' -xpf "$2" -C "$3" 2>"$WORK/tar.err"; then
        same_as_reference "$1" "$3/files"
    else
        fail "$1: GNU tar could not extract the export:"; sed 's/^/        /' "$WORK/tar.err"
    fi
}
ROOT=$WORK/root
run --root "$ROOT" snapshot --name tree --version v1 --base-dir "$SRC" --all
expect "snapshot --all of the tree" 0
grep -q '^snapshotctl: warning: .*special/socket' "$WORK/stderr" && ok "snapshot --all: the skipped socket is named in a warning on stderr" \
    || { fail "snapshot --all: no warning on stderr names the skipped socket"; show; }

# ------------------------------------------------------------------ snapshotctl restore
run --root "$ROOT" restore tree:v1 --output-dir "$WORK/restored"
expect "restore into a new directory" 0
same_as_reference "restore into a new directory" "$WORK/restored"

# An in-place restore over a copy of the tree changed in every way it can change: content, size, symlink
# target, types swapped (a directory where a file was, a file where a directory was, a symlink to a
# directory outside where a directory was), modes, an xattr, a split hardlink group, entries missing and
# extra. Nothing may be written through the symlink, and the result must equal the reference.
CHANGED=$WORK/changed OUTSIDE=$WORK/outside
rsync -aHAXS "$SRC/" "$CHANGED/"
mkdir -p "$OUTSIDE"
printf 'different' | dd of="$CHANGED/data/small-100" bs=1 conv=notrunc status=none
truncate -s 1000 "$CHANGED/data/large.bin"
ln -sfn ../data/small-1 "$CHANGED/links/relative"
rmdir "$CHANGED/empty" && printf 'a file now\n' >"$CHANGED/empty"
rm "$CHANGED/data/small-4096" && mkdir -p "$CHANGED/data/small-4096/inside" && : >"$CHANGED/data/small-4096/inside/f"
rm "$CHANGED/links/to-dir" && mkdir "$CHANGED/links/to-dir"
rm -rf "$CHANGED/nested/a/b" && ln -s "$OUTSIDE" "$CHANGED/nested/a/b"
chmod 0755 "$CHANGED/private" "$CHANGED/modes/setuid"
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.comment", b"changed")' "$CHANGED/xattrs/file"
cp --preserve=all "$CHANGED/hard/ro-2" "$CHANGED/hard/ro-2.tmp" && mv "$CHANGED/hard/ro-2.tmp" "$CHANGED/hard/ro-2"
rm "$CHANGED/special/fifo" "$CHANGED/links/dangling"
printf 'extra\n' >"$CHANGED/names/extra" && mkdir -p "$CHANGED/extra-dir/sub"
touch -d '2001-01-01' "$CHANGED/nested/a" "$CHANGED/data/small-0"
[ "$(id -u)" != 0 ] || chown 0:0 "$CHANGED/owners/file"
run --root "$ROOT" restore tree:v1 --output-dir "$CHANGED" --in-place --delete-extra
expect "restore in place over a changed tree" 0
same_as_reference "restore in place over a changed tree" "$CHANGED"
[ -z "$(ls -A "$OUTSIDE")" ] && ok "nothing was written through a symlink to a directory outside" \
    || fail "the in-place restore wrote into $OUTSIDE: $(ls -A "$OUTSIDE")"

# ------------------------------------------------------------------ export, import and GNU tar
run --root "$ROOT" export tree:v1 -o "$WORK/export.tar"
expect "export" 0
extracted_same_as_reference "export, then GNU tar -x" "$WORK/export.tar" "$WORK/untarred"

# GNU tar's own archive of the tree (pax, with its holes and xattrs), imported and restored. tar skips the
# socket and says so; nothing else may go wrong.
tar --xattrs --xattrs-include='*' --format=pax --sparse --numeric-owner -cf "$WORK/gnu.tar" -C "$SRC" . 2>"$WORK/tar.err"
if grep -v 'socket ignored' "$WORK/tar.err" >"$WORK/tar.unexpected"; then
    fail "GNU tar -c of the tree:"; sed 's/^/        /' "$WORK/tar.unexpected"
fi
run --root "$ROOT" import "$WORK/gnu.tar" --name gnu --version v1
expect "import of GNU tar's archive" 0
run --root "$ROOT" restore gnu:v1 --output-dir "$WORK/imported"
expect "restore of the imported archive" 0
same_as_reference "GNU tar -c, then import and restore" "$WORK/imported"

# ------------------------------------------------------------------ a registry, then another root
start_registry fidelity ''
REGISTRY_URL=http://127.0.0.1:$PORT
REGISTRY=(--registry "$REGISTRY_URL" --namespace fidelity --content "dir:$WORK/content")
run --root "$WORK/publisher" "${REGISTRY[@]}" snapshot --name tree --version v1 --base-dir "$SRC" --all
expect "snapshot published to a registry" 0
run --root "$WORK/puller" "${REGISTRY[@]}" restore tree:v1 --output-dir "$WORK/pulled"
expect "restore pulled from the registry on another root" 0
same_as_reference "registry publish, then pull on another root" "$WORK/pulled"

# ------------------------------------------------------------------ the C ABI and both bindings
# through_program WHAT NAME PROGRAM...: takes the tree each way through PROGRAM MODE ARGS... (the usage
# of tests/tree/roundtrip.c), its stores, archives and trees under $WORK/NAME. Its snapshots are its own
# (name:version tree:NAME), published with its own content dir, so each way runs through it alone.
through_program() {
    local what=$1 dir=$WORK/$2
    shift 2
    mkdir "$dir"
    if program "$what: snapshot, then restore" "$@" restore "$dir/root" "$SRC" "$dir/restored"; then
        grep -q 'special/socket' "$WORK/stderr" && ok "$what: the skipped socket is named in a warning" \
            || { fail "$what: no warning names the skipped socket"; show; }
        same_as_reference "$what: snapshot, then restore" "$dir/restored"
    fi
    program "$what: snapshot, then export" "$@" export "$dir/export-root" "$SRC" "$dir/export.tar" \
        && extracted_same_as_reference "$what: export, then GNU tar -x" "$dir/export.tar" "$dir/untarred"
    program "$what: import of GNU tar's archive, then restore" \
            "$@" import "$dir/import-root" "$WORK/gnu.tar" "$dir/imported" \
        && same_as_reference "$what: GNU tar -c, then import and restore" "$dir/imported"
    program "$what: snapshot published to a registry" \
            "$@" publish "$dir/publisher" "$SRC" "$REGISTRY_URL" fidelity "$dir/content" \
        && program "$what: restore pulled from the registry on another root" \
            "$@" pull "$dir/puller" "$dir/pulled" "$REGISTRY_URL" fidelity "$dir/content" \
        && same_as_reference "$what: registry publish, then pull on another root" "$dir/pulled"
}
# program WHAT COMMAND...: runs COMMAND; when it fails, says so with its output and returns false.
program() {
    local what=$1
    shift
    "$@" >"$WORK/stdout" 2>"$WORK/stderr" && return 0
    fail "$what: exit $?"; show
    return 1
}

if gcc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I"$BUILD/include" -o "$WORK/c-roundtrip" "$TREE/roundtrip.c" \
    -L"$BUILD/lib" -lsnapshotter -Wl,-rpath,"$BUILD/lib" >"$WORK/cc.log" 2>&1; then
    through_program "the C ABI" c "$WORK/c-roundtrip"
else
    fail "tests/tree/roundtrip.c does not compile:"; sed 's/^/        /' "$WORK/cc.log"
fi

if (cd "$TREE/go" && GOPATH=$BUILD/go/path GOCACHE=$BUILD/go/cache GOPROXY=off GOFLAGS=-buildvcs=false \
    PKG_CONFIG_PATH=$BUILD/lib/pkgconfig go build -o "$WORK/go-roundtrip" .) >"$WORK/go.log" 2>&1; then
    through_program "the Go binding" go "$WORK/go-roundtrip"
else
    fail "tests/tree/go does not build:"; sed 's/^/        /' "$WORK/go.log"
fi

# As in build.sh: Debian's Rust is too old for the binding, cargo comes from rustup; outside CI a missing
# toolchain skips the Rust program with a warning.
[ -x "$HOME/.cargo/bin/cargo" ] && PATH=$HOME/.cargo/bin:$PATH
rust_version=$(rustc --version 2>/dev/null | awk '{ print $2 }')
if [ -n "$rust_version" ] && [ "$(printf '%s\n' 1.77.0 "$rust_version" | sort -V | head -n1)" = 1.77.0 ]; then
    if (cd "$HERE/../../bindings/rust" && CARGO_TARGET_DIR=$BUILD/cargo/bindings SNAPSHOTTER_LIB_DIR=$BUILD/lib \
        SNAPSHOTTER_INCLUDE_DIR=$BUILD/include cargo build --offline --quiet --example tree_roundtrip) >"$WORK/cargo.log" 2>&1; then
        through_program "the Rust binding" rust env LD_LIBRARY_PATH="$BUILD/lib" "$BUILD/cargo/bindings/debug/examples/tree_roundtrip"
    else
        fail "the Rust example tree_roundtrip does not build:"; sed 's/^/        /' "$WORK/cargo.log"
    fi
elif [ "${CI:-}" = true ]; then
    fail "Rust 1.77 or newer is needed for the Rust binding (found: ${rust_version:-none})"
else
    echo "SKIP  the Rust binding: Rust 1.77 or newer is needed (found: ${rust_version:-none})"
fi

echo "--- summary ---"
echo "tree fidelity: $failures failed"
[ "$failures" = 0 ]
