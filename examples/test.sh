#!/usr/bin/env bash
# The examples built the way a user builds them, against an installed library: C with pkg-config, Go
# and Rust through their bindings' pkg-config lookup. Checks the installed tree first. Each example
# pair snapshots and restores a small tree, reports errors, and is interrupted mid-restore (SIGTERM for
# C and Go, a line on stdin for Rust): exit 130, no partial file left.
#
#   examples/test.sh PREFIX BUILD_DIR LANGUAGE...      LANGUAGE: c, go, rust
set -euo pipefail

PREFIX=${1:?usage: examples/test.sh PREFIX BUILD_DIR LANGUAGE...}
BUILD=${2:?usage: examples/test.sh PREFIX BUILD_DIR LANGUAGE...}
shift 2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-examples.XXXXXX")
trap 'exec 3>&- 2>/dev/null; rm -rf "$WORK"' EXIT
# Found like any library in a non-system prefix.
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" LD_LIBRARY_PATH="$PREFIX/lib"
unset SNAPSHOTTER_LIB_DIR SNAPSHOTTER_INCLUDE_DIR
status=0
fail() { echo "FAIL  $*"; status=1; }
ok() { echo "ok    $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

# ------------------------------------------------------------------ the installed tree
version=$(sed -n 's/^#define SNAPSHOTTER_VERSION_STRING "\(.*\)"$/\1/p' "$PREFIX/include/snapshotter.h")
check "pkg-config --modversion is the header's $version" [ "$(pkg-config --modversion libsnapshotter)" = "$version" ]
check "pkg-config --cflags" [ "$(pkg-config --cflags libsnapshotter | xargs)" = "-I$PREFIX/include" ]
check "pkg-config --libs" [ "$(pkg-config --libs libsnapshotter | xargs)" = "-L$PREFIX/lib -lsnapshotter" ]
soname=$(readelf -d "$PREFIX/lib/libsnapshotter.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "lib/libsnapshotter.so -> $soname -> libsnapshotter.so.$version" \
    [ "$(readlink "$PREFIX/lib/libsnapshotter.so")" = "$soname" ] \
    && [ "$(readlink "$PREFIX/lib/$soname")" = "libsnapshotter.so.$version" ]

# ------------------------------------------------------------------ fixtures
mkdir -p "$WORK/src/state" "$WORK/big" "$WORK/bin"
head -c 1048576 /dev/urandom >"$WORK/src/disk.img"
truncate -s 64M "$WORK/src/disk.img" # a hole after the data
printf '{"vcpus":2}\n' >"$WORK/src/state/vm.json"
chmod 0444 "$WORK/src/state/vm.json"
# 256 MiB: the restore is still writing when the test sees its first temporary file.
big_files=()
for i in 0 1 2 3 4 5 6 7; do
    head -c 33554432 /dev/urandom >"$WORK/big/f$i.bin"
    big_files+=("f$i.bin")
done

# run NAME COMMAND...: runs it with stdin from /dev/null; $rc, $WORK/NAME.out and $WORK/NAME.err hold the outcome.
run() {
    local name=$1
    shift
    rc=0
    "$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
}
expect() { # WHAT STATUS PATTERN FILE
    if [ "$rc" = "$2" ] && grep -qE -- "$3" "$4"; then ok "$1"; else
        fail "$1: exit $rc (want $2), no /$3/ in:"; sed 's/^/      /' "$4"
    fi
}

# exercise LANGUAGE STOP: the language's snapshot and restore examples, from $WORK/bin; STOP is how
# to interrupt its restore (signal or stdin).
exercise() {
    local lang=$1 stop=$2 root=$WORK/$1/root out=$WORK/$1/out
    local snapshot=$WORK/bin/$lang-snapshot restore=$WORK/bin/$lang-restore
    run snapshot "$snapshot" "$root" tree v1 "$WORK/src" disk.img --ro state/vm.json
    expect "$lang: snapshot" 0 "^tree:v1: 2 files, 67108876 bytes \(1 hardlinked" "$WORK/snapshot.out"
    run restore "$restore" "$root" tree v1 "$out"
    expect "$lang: restore reports progress" 0 "^progress: 2/2 files, 64/64 MiB" "$WORK/restore.err"
    check "$lang: the restored tree equals the source" diff -r "$WORK/src" "$out"
    run again "$snapshot" "$root" tree v1 "$WORK/src" disk.img
    expect "$lang: a second tree:v1 is refused" 1 "ALREADY_EXISTS.*tree:v1" "$WORK/again.err"
    run missing "$restore" "$root" tree v9 "$out"
    expect "$lang: an unknown version is NOT_FOUND" 1 "NOT_FOUND.*tree:v9" "$WORK/missing.err"

    run big "$snapshot" "$root" big v1 "$WORK/big" "${big_files[@]}"
    expect "$lang: snapshot of 256 MiB" 0 "^big:v1: 8 files" "$WORK/big.out"
    rm -f "$WORK/stdin" && mkfifo "$WORK/stdin" && exec 3<>"$WORK/stdin"
    "$restore" "$root" big v1 "$out/big" <"$WORK/stdin" >"$WORK/interrupted.out" 2>"$WORK/interrupted.err" &
    local pid=$! started=0
    for _ in $(seq 1 1000); do
        if compgen -G "$out/big/.snapshotter-restore-*" >/dev/null; then started=1; break; fi
        sleep 0.01
    done
    case $stop in
        signal) kill -TERM "$pid" ;;
        stdin) echo >&3 ;;
    esac
    rc=0
    wait "$pid" || rc=$?
    exec 3>&-
    [ $started = 1 ] || fail "$lang: the restore wrote no file within 10 s"
    expect "$lang: an interrupted restore is CANCELLED, exit 130" 130 "CANCELLED.*big:v1" "$WORK/interrupted.err"
    local leftovers
    leftovers=$(find "$out/big" -name '.snapshotter-restore-*' | wc -l)
    check "$lang: no temporary file left ($leftovers)" [ "$leftovers" = 0 ]
    for file in "$out/big"/*; do
        [ -e "$file" ] || continue
        cmp -s "$file" "$WORK/big/${file##*/}" || fail "$lang: ${file##*/} was left incomplete"
    done
}

# outside_go: a program in a directory outside the repository imports the binding by its module path,
# found through a replace line in its go.mod, then through a go.work workspace, and snapshots and
# restores a tree with it.
outside_go() {
    local repo how dir
    repo=$(cd "$HERE/.." && pwd)
    for how in replace workspace; do
        dir=$WORK/outside-$how
        mkdir -p "$dir"
        cat >"$dir/main.go" <<'GO'
package main

import (
	"context"
	"fmt"
	"os"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func main() {
	root, src, out := os.Args[1], os.Args[2], os.Args[3]
	s, err := snapshotter.Open(snapshotter.Options{RootDir: root})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer s.Close()
	ctx := context.Background()
	files := []snapshotter.File{{RelativePath: "disk.img"}, {RelativePath: "state/vm.json", Flags: snapshotter.FileReadOnly}}
	if _, err := s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "outside", Version: "v1", BaseDir: src, Files: files}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := s.Restore(ctx, snapshotter.RestoreRequest{Name: "outside", Version: "v1", OutputDir: out}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("restored outside:v1")
}
GO
        printf 'module example.com/outside\n\ngo 1.19\n\nrequire libsnapshotter.dev/bindings/go v%s\n' "$version" >"$dir/go.mod"
        if [ $how = replace ]; then
            printf '\nreplace libsnapshotter.dev/bindings/go => %s\n' "$repo/bindings/go" >>"$dir/go.mod"
        else
            printf 'go 1.19\n\nuse (\n\t.\n\t%s\n)\n' "$repo/bindings/go" >"$dir/go.work"
        fi
        local gowork=off
        [ $how = replace ] || gowork=$dir/go.work
        if (cd "$dir" && GOWORK=$gowork go build -o "$WORK/bin/outside-$how" .) >"$WORK/outside.err" 2>&1; then
            run outside "$WORK/bin/outside-$how" "$WORK/go/outside-$how" "$WORK/src" "$WORK/outside-$how.out"
            expect "go: a program outside the repository imports the binding ($how)" 0 "^restored outside:v1" "$WORK/outside.out"
            check "go: its restored tree equals the source ($how)" diff -r "$WORK/src" "$WORK/outside-$how.out"
        else
            fail "go: a program outside the repository does not build ($how):"; sed 's/^/      /' "$WORK/outside.err"
        fi
    done
}

for lang in "$@"; do
    case $lang in
        c)
            for example in snapshot restore; do
                # shellcheck disable=SC2046 # pkg-config prints several words on purpose
                gcc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -pthread -o "$WORK/bin/c-$example" \
                    "$HERE/c/$example.c" $(pkg-config --cflags --libs libsnapshotter)
            done
            exercise c signal
            ;;
        go)
            (cd "$HERE/go" && go vet ./... && go build -o "$WORK/bin/" ./...)
            mv "$WORK/bin/snapshot" "$WORK/bin/go-snapshot" && mv "$WORK/bin/restore" "$WORK/bin/go-restore"
            exercise go signal
            outside_go
            ;;
        rust)
            (
                cd "$HERE/rust"
                export CARGO_TARGET_DIR="$BUILD/cargo/examples"
                if cargo fmt --version >/dev/null 2>&1; then cargo fmt --check; fi
                if cargo clippy --version >/dev/null 2>&1; then cargo clippy --offline --quiet -- -D warnings; fi
                cargo build --offline --quiet
            )
            # libsnapshotter-sys found the install through pkg-config, and the examples carry its lib/.
            check "rust: the examples run against $PREFIX/lib" \
                grep -qF "[$PREFIX/lib]" <(readelf -d "$BUILD/cargo/examples/debug/snapshot")
            cp "$BUILD/cargo/examples/debug/snapshot" "$WORK/bin/rust-snapshot"
            cp "$BUILD/cargo/examples/debug/restore" "$WORK/bin/rust-restore"
            exercise rust stdin
            ;;
        *) fail "unknown language '$lang'" ;;
    esac
done
exit $status
