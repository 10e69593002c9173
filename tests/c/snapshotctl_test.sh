#!/usr/bin/env bash
# snapshotctl end to end: snapshot with --all/--ro/--rw, restore, gc and verify, the JSON output, error
# lines and exit statuses, usage errors, interrupts (SIGTERM/SIGINT mid-snapshot: exit 130, nothing kept).
#   snapshotctl_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: snapshotctl_test.sh BUILD_DIR}" && pwd)
CTL=$BUILD/bin/snapshotctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-ctl.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
unset SNAPSHOTTER_ROOT
ROOT=$WORK/root SRC=$WORK/src
# shellcheck source=tests/c/cli_helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_helpers.sh"
# json WHAT PYTHON_EXPR: stdout is exactly one line holding one JSON object d, and PYTHON_EXPR holds
# (os.environ is at hand for values awkward to quote).
json() {
    if python3 - "$WORK/stdout" "$2" <<'PY'; then ok "$1"; else fail "$1"; show; fi
import json, os, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.count("\n") == 1 and text.endswith("\n"), "not exactly one line: %r" % text
d = json.loads(text)
assert isinstance(d, dict), "not an object"
assert eval(sys.argv[2]), "%s is false for %s" % (sys.argv[2], d)
PY
}

# A tree with every kind of entry --all must handle.
mkdir -p "$SRC/sub/deeper" "$WORK/elsewhere"
printf 'read-only\n' >"$SRC/ro.txt"
printf 'writable\n' >"$SRC/rw.txt"
head -c 300000 /dev/urandom >"$SRC/sub/data.bin"
truncate -s 8M "$SRC/sub/deeper/sparse.img"
printf 'x' | dd of="$SRC/sub/deeper/sparse.img" bs=1 seek=4000000 conv=notrunc status=none
: >"$SRC/empty"
chmod 0755 "$SRC/sub/data.bin"
ln -s rw.txt "$SRC/link-to-file"
ln -s sub "$SRC/link-to-dir"
ln -s nowhere "$SRC/dangling"
mkfifo "$SRC/fifo"
touch -d '2021-02-03 04:05:06.123456789' "$SRC/rw.txt"
# ro.txt rw.txt sub sub/data.bin sub/deeper sub/deeper/sparse.img empty link-to-file link-to-dir dangling fifo, and
# sub/extra.txt (given again with --ro below)
FILES=12
printf 'extra\n' >"$SRC/sub/extra.txt"

# ------------------------------------------------------------------ usage
run --help
expect "--help" 0 && grep -q 'Exit status' "$WORK/stdout" || fail "--help does not document exit statuses"
run --version
header_version=$(sed -n 's/^#define SNAPSHOTTER_VERSION_STRING "\(.*\)"$/\1/p' "$BUILD/include/snapshotter.h")
expect "--version" 0 && [ "$(cat "$WORK/stdout")" = "snapshotctl $header_version" ] && [ ! -s "$WORK/stderr" ] \
    || fail "--version printed '$(cat "$WORK/stdout")' (header: $header_version)"
run
expect "no arguments is a usage error" 2 "command"
run --root "$ROOT" frobnicate
expect "unknown command" 2 "frobnicate"
run --root "$ROOT" restore --name a --version v1 --bogus
expect "unknown option" 2 "--bogus"
run --root "$ROOT" restore --version v1
expect "missing --name" 2 "--name"
run restore --name a --version v1
expect "missing --root without SNAPSHOTTER_ROOT" 2 "--root"
run --root "$ROOT" snapshot --name a --version v1 --base-dir "$SRC" --ro ro.txt --rw ./ro.txt
expect "a path both --ro and --rw" 2 "ro.txt"
run --root "$ROOT" restore --name a --version v1 --base-dir "$SRC"
expect "snapshot option given to restore" 2 "--base-dir"
run --root "$ROOT" --concurrency zero restore --name a --version v1
expect "--concurrency must be a number" 2 "--concurrency"
run --root "$ROOT" restore --name a --version
expect "option without its value" 2 "--version"
run --json --root "$ROOT" restore --name a
expect "usage error with --json" 2 "--version"
json "usage error with --json prints an error object" 'd["error"]["code"] == "USAGE" and "--version" in d["error"]["message"]'
run --root "$ROOT" snapshot --name a --version v1 --base-dir "$SRC" --all --help
expect "--help after a command only prints help" 0 && grep -q 'Usage' "$WORK/stdout"
[ ! -e "$ROOT" ] && ok "usage errors leave no store behind" || fail "a usage error created the store at $ROOT"

# --------------------------------------------------------------- snapshot
run --root "$ROOT" --json snapshot --name tree --version v1 --base-dir "$SRC" --all --ro ro.txt --ro ./sub//extra.txt
expect "snapshot --all --ro" 0
[ -s "$WORK/stderr" ] && fail "stderr is not a terminal, yet snapshot wrote to it: $(cat "$WORK/stderr")"
json "snapshot --json" "d['command'] == 'snapshot' and d['name'] == 'tree' and d['version'] == 'v1' \
    and d['files'] == $FILES and d['files_linked'] == 2 and d['bytes'] > 8000000 and d['bytes_read'] > 300000 \
    and d['bytes_written'] >= d['bytes_read'] and d['files_reused'] >= 0 and isinstance(d['seconds'], float)"

run snapshot --name tree --version v1 --base-dir "$SRC" --all --root "$ROOT"
expect "the same name:version again" 13 '^snapshotctl: ALREADY_EXISTS: .*tree:v1'
run --root "$ROOT" snapshot --name Tree --version v1 --base-dir "$SRC" --all
expect "an invalid name" 11 "^snapshotctl: INVALID_ARGUMENT: .*'Tree'"
run --root "$ROOT" snapshot --name tree --version v2 --base-dir "$SRC" --rw missing.txt
expect "a missing file" 12 "^snapshotctl: NOT_FOUND: .*missing.txt"
run --root "$ROOT" snapshot --name tree --version v2 --base-dir "$WORK/no-such-dir" --all
expect "a missing base dir with --all" 12 "^snapshotctl: NOT_FOUND: .*no-such-dir"
run --root "$ROOT" snapshot --name tree --version v2 --base-dir "$SRC" --rw ../outside
expect "a path outside the base dir" 11 "^snapshotctl: INVALID_ARGUMENT: .*\.\./outside"
run --root "$WORK/rehash-root" --json snapshot --name tree --version v1 --base-dir "$SRC" --all --rehash
expect "snapshot --rehash" 0
json "snapshot --rehash reads the files" "d['files'] == $FILES and d['bytes_read'] > 300000"
# A umask that takes the read bits of group and others away, set for the process: content objects are read-only
# for everyone all the same.
(umask 0337 && "$CTL" --root "$WORK/umask-root" snapshot --name tree --version v1 --base-dir "$SRC" --all >"$WORK/stdout" 2>"$WORK/stderr")
status=$?
expect "snapshot under umask 0337" 0
modes=$(stat -c %a "$WORK/umask-root"/storage/content/xxh3/* | sort -u | tr '\n' ' ')
[ "$modes" = "444 " ] && ok "content objects made under umask 0337 are 0444" || fail "content objects made under umask 0337 have modes: $modes"

# ---------------------------------------------------------------- restore
OUT=$WORK/out
run --root "$ROOT" restore --name tree --version v1 --output-dir "$OUT"
expect "restore" 0
[ -s "$WORK/stderr" ] && fail "stderr is not a terminal, yet restore wrote to it: $(cat "$WORK/stderr")"
grep -qE "^restore tree:v1 into .*: $FILES files" "$WORK/stdout" || fail "restore summary: $(cat "$WORK/stdout")"
same=1
for f in ro.txt rw.txt sub/data.bin sub/deeper/sparse.img empty sub/extra.txt; do
    cmp -s "$SRC/$f" "$OUT/$f" || { same=0; fail "restored $f differs"; }
    [ "$(stat -c %a "$SRC/$f")" = "$(stat -c %a "$OUT/$f")" ] || { same=0; fail "restored $f has another mode"; }
done
for link in link-to-file link-to-dir dangling; do
    [ -L "$OUT/$link" ] && [ "$(readlink "$SRC/$link")" = "$(readlink "$OUT/$link")" ] || { same=0; fail "$link is not the same symlink"; }
done
[ -p "$OUT/fifo" ] || { same=0; fail "fifo is not a FIFO"; }
[ "$(stat -c %y "$SRC/rw.txt")" = "$(stat -c %y "$OUT/rw.txt")" ] || { same=0; fail "rw.txt mtime not restored"; }
[ "$(stat -c %b "$OUT/sub/deeper/sparse.img")" -lt 1000 ] || { same=0; fail "sparse.img lost its holes"; }
[ "$(stat -c %i "$OUT/ro.txt")" = "$(stat -c %i "$SRC/ro.txt")" ] || { same=0; fail "ro.txt is not a hardlink of the stored inode"; }
[ "$(stat -c %i "$OUT/rw.txt")" != "$(stat -c %i "$SRC/rw.txt")" ] || { same=0; fail "rw.txt is not a private copy"; }
[ $same = 1 ] && ok "the restored tree matches (bytes, modes, mtime, holes, links, symlinks as symlinks, FIFOs)"

export SNAPSHOTTER_ROOT=$ROOT
run --json restore --name tree --version v1 --output-dir "$OUT"
expect "restore again, root from SNAPSHOTTER_ROOT" 0
json "restore --json reports reuse" "d['command'] == 'restore' and d['files'] == $FILES and d['files_reused'] == $FILES \
    and d['bytes_written'] == 0 and d['output_dir'] == '$OUT'"
run restore --name tree --version v1 --json
expect "restore without --output-dir" 0
json "restore without --output-dir: output_dir is null" "d['output_dir'] is None and d['files'] == $FILES"

printf 'something else\n' >"$OUT/rw.txt"
run restore --name tree --version v1 --output-dir "$OUT"
expect "restore over a different file" 13 '^snapshotctl: ALREADY_EXISTS: .*rw\.txt'
grep -q 'something else' "$OUT/rw.txt" || fail "the refused restore changed rw.txt"
run restore --name tree --version v1 --output-dir "$OUT" --overwrite
expect "restore --overwrite" 0
cmp -s "$SRC/rw.txt" "$OUT/rw.txt" && ok "--overwrite replaced rw.txt" || fail "--overwrite did not replace rw.txt"

run restore --name nope --version v1 --output-dir "$OUT"
expect "restore an unknown snapshot" 12 "^snapshotctl: NOT_FOUND: .*nope:v1"
run --json restore --name nope --version v1
expect "restore an unknown snapshot, --json" 12 "^snapshotctl: NOT_FOUND: "
json "the error object" 'd == {"error": {"code": "NOT_FOUND", "message": d["error"]["message"]}} and "nope:v1" in d["error"]["message"]'

# JSON strings are escaped, and bytes that are not UTF-8 do not break the output.
WEIRD=$WORK/$'out "quoted" back\\slash\ttab'
run --json restore --name tree --version v1 --output-dir "$WEIRD"
expect "restore into a directory with quotes, backslash and tab" 0
EXPECTED_DIR=$WEIRD json "... is escaped in JSON" "d['output_dir'] == os.environ['EXPECTED_DIR']"
run --json snapshot --name tree --version v9 --base-dir "$WORK/"$'bad\xff\x01name' --all
expect "an error naming a path that is not UTF-8" 12
json "... still prints valid JSON" "d['error']['code'] == 'NOT_FOUND' and '\\ufffd' in d['error']['message']"

# Global options after the command, --opt=value forms, --concurrency.
run snapshot --name=tree --version=v3 --base-dir="$SRC" --rw=rw.txt --concurrency 2 --json
expect "options after the command and --opt=value" 0
json "... snapshot of one file" "d['files'] == 1"
run --concurrency 1000 restore --name tree --version v3
expect "--concurrency out of the library's range" 11 "^snapshotctl: INVALID_ARGUMENT: .*concurrency"

# ------------------------------------------------ list, inspect, delete, REF
run list --json
expect "list" 0
json "list --json: every snapshot, by name then creation" "[(x['name'], x['version']) for x in d['snapshots']] == [('tree', 'v1'), ('tree', 'v3')] \
    and d['snapshots'][0]['files'] == $FILES and d['snapshots'][1]['files'] == 1 \
    and d['snapshots'][0]['created'].endswith('Z') and d['snapshots'][0]['created_ns'] < d['snapshots'][1]['created_ns'] \
    and d['snapshots'][0]['stored_bytes'] > 300000"
V1_CREATED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshots"][0]["created"])' "$WORK/stdout")
run list tree
expect "list NAME" 0
[ "$(grep -c '^tree ' "$WORK/stdout")" = 2 ] && grep -q '^NAME ' "$WORK/stdout" && ok "list prints a table" \
    || { fail "list table"; show; }
run list nothing
expect "list of an unknown name" 0
[ ! -s "$WORK/stdout" ] && ok "... prints nothing" || { fail "list of an unknown name printed something"; show; }
run list Bad
expect "list of an invalid name" 11 "'Bad'"
run list a b
expect "list takes one NAME" 2 "unexpected argument 'b'"

run inspect tree:v1 --json
expect "inspect --json" 0
RW_MTIME_NS=$(python3 -c 'import os,sys; print(os.stat(sys.argv[1]).st_mtime_ns)' "$SRC/rw.txt") \
json "inspect: the snapshot and every file" "d['snapshot']['name'] == 'tree' and len(d['files']) == $FILES \
    and [f['path'] for f in d['files']] == sorted(f['path'] for f in d['files']) \
    and all(f['content_local'] and f['digest'].startswith('xxh3:') for f in d['files'] if f['path'] not in ('sub', 'sub/deeper', 'link-to-file', 'link-to-dir', 'dangling', 'fifo')) \
    and [f['read_only'] for f in d['files'] if f['path'] == 'ro.txt'] == [True] \
    and [(f['mode'], f['mtime_ns']) for f in d['files'] if f['path'] == 'rw.txt'] == [(0o644, int(os.environ['RW_MTIME_NS']))] \
    and [f['mtime'] for f in d['files'] if f['path'] == 'rw.txt'][0].endswith('.123456789Z')"
run inspect tree@latest
expect "inspect NAME@latest" 0
grep -q '^tree:v3: 1 files' "$WORK/stdout" && grep -q ' rw,local .* rw.txt$' "$WORK/stdout" && ok "... is tree:v3, shown as a table" \
    || { fail "inspect tree@latest"; show; }
run inspect "tree@$V1_CREATED" --json
expect "inspect NAME@TIME at v1's creation" 0
json "... is tree:v1" "d['snapshot']['version'] == 'v1'"
run inspect tree@1999-01-01T00:00:00Z
expect "inspect before the first version" 12 "no version of 'tree' was created at or before"
run inspect tree
expect "a REF without version" 11 "names no version"
run inspect
expect "inspect without REF" 2 "inspect needs REF"
run inspect tree:v1 --output-dir "$WORK"
expect "an option inspect does not take" 2 "--output-dir is not an option of inspect"

OUT_REF=$WORK/out-ref
run restore tree@latest --output-dir "$OUT_REF" --json
expect "restore REF" 0
json "restore REF --json names the REF" "d['ref'] == 'tree@latest' and d['files'] == 1"
cmp -s "$SRC/rw.txt" "$OUT_REF/rw.txt" && ok "restore REF wrote tree:v3" || fail "restore REF"
run restore tree:v1 --name tree --version v1
expect "restore REF and --name" 2 "not both"

run snapshot --name gone --version v1 --base-dir "$SRC" --rw sub/data.bin --json
expect "a snapshot to delete" 0
run delete gone:v1 --json
expect "delete" 0
json "delete --json: its files and the content it alone used" "d['ref'] == 'gone:v1' and d['files'] == 1 and d['content_freed'] == 0"
run delete gone:v1
expect "delete again" 12 "gone:v1"
run list gone --json
json "the deleted snapshot is no longer listed" "d['snapshots'] == []"

# ------------------------------------------------- diff, --only, --in-place
export OUT_IP=$WORK/out-inplace
run restore tree:v1 --output-dir "$OUT_IP" --only 'sub/**/*.img' --only ro.txt --json
expect "restore --only" 0
json "... restores the selected files" "d['files'] == 2"
[ -f "$OUT_IP/sub/deeper/sparse.img" ] && [ -f "$OUT_IP/ro.txt" ] && [ ! -e "$OUT_IP/rw.txt" ] \
    && ok "exactly the selected files are there" || fail "restore --only wrote $(find "$OUT_IP" -type f | wc -l) files"
run restore tree:v1 --output-dir "$OUT_IP" --only nothing-like-this
expect "restore --only a pattern that selects nothing" 12 "'nothing-like-this' matches no file"

run restore tree:v1 --output-dir "$OUT_IP"
expect "complete the tree" 0
run diff tree:v1 "$OUT_IP"
expect "diff of a restored tree" 0
[ ! -s "$WORK/stdout" ] && ok "... prints nothing" || { fail "diff of a restored tree printed"; show; }
printf 'changed\n' >"$OUT_IP/rw.txt"
touch -d '2001-01-01' "$OUT_IP/sub/data.bin"
printf 'extra\n' >"$OUT_IP/extra.txt"
rm "$OUT_IP/empty"
run diff tree:v1 "$OUT_IP"
expect "diff with differences exits 1" 1
printf 'D  empty\nA  extra.txt\nM  rw.txt  (content, size, mtime)\nM  sub/data.bin  (mtime)\n' >"$WORK/expected"
cmp -s "$WORK/stdout" "$WORK/expected" && ok "... lists them with reasons" || { fail "diff output"; diff "$WORK/expected" "$WORK/stdout"; }
run diff tree:v1 "$OUT_IP" --json
expect "diff --json" 1
json "diff --json" "d['other_dir'] == os.environ['OUT_IP'] and [(e['path'], e['kind'], e['reasons']) for e in d['entries']] == \
    [('empty', 'removed', []), ('extra.txt', 'added', []), ('rw.txt', 'changed', ['content', 'size', 'mtime']), \
     ('sub/data.bin', 'changed', ['mtime'])]"
run diff tree:v1 tree:v3
expect "diff of two snapshots" 1
grep -q '^D  ro.txt$' "$WORK/stdout" && ! grep -q 'rw.txt' "$WORK/stdout" && ok "... lists what v3 lacks" || { fail "diff v1 v3"; show; }
run diff tree:v1 out-inplace
expect "a bare word is a REF" 11 "names no version"
run diff tree:v1
expect "diff needs two operands" 2 "diff needs"

DATA_INODE=$(stat -c %i "$OUT_IP/sub/data.bin")
RO_CTIME=$(stat -c %Z.%z "$OUT_IP/ro.txt")
run restore tree:v1 --output-dir "$OUT_IP" --in-place --delete-extra --json
expect "restore --in-place --delete-extra" 0
json "... writes only the differences" "d['files_removed'] == 1 and d['bytes_written'] == len(b'writable\\n') + 0 \
    and d['files_reused'] == $FILES - 2"
[ "$(stat -c %i "$OUT_IP/sub/data.bin")" = "$DATA_INODE" ] && [ "$(stat -c %Z.%z "$OUT_IP/ro.txt")" = "$RO_CTIME" ] \
    && [ ! -e "$OUT_IP/extra.txt" ] && cmp -s "$SRC/rw.txt" "$OUT_IP/rw.txt" \
    && ok "... kept inodes, fixed the mtime, removed the extra" || fail "in-place restore result"
run diff tree:v1 "$OUT_IP"
expect "the tree matches again" 0
run restore tree:v1 --output-dir "$OUT_IP" --delete-extra
expect "--delete-extra without --in-place" 11 "in_place"

# ------------------------------------------------------- export, import
OTHER=$WORK/other-root
run export tree:v1 -o "$WORK/tree.tar" --json
expect "export -o FILE" 0
json "export --json" "d['command'] == 'export' and d['ref'] == 'tree:v1' and d['output'] == '$WORK/tree.tar' \
    and d['files'] == $FILES and d['bytes_written'] == os.path.getsize('$WORK/tree.tar')"
[ "$(tar -tf "$WORK/tree.tar" | head -1)" = snapshot.json ] && ok "snapshot.json comes first" || fail "tar -tf: $(tar -tf "$WORK/tree.tar" | head -3)"
[ "$(stat -c %s "$WORK/tree.tar")" -lt 2000000 ] && ok "the holes of sparse.img are not in the tar" || fail "the tar holds the holes"
run --root "$OTHER" import "$WORK/tree.tar" --json
expect "import FILE" 0
json "import --json names what it recorded" "d['command'] == 'import' and d['name'] == 'tree' and d['version'] == 'v1' \
    and d['files'] == $FILES and d['files_reused'] == 0"
run --root "$OTHER" --json diff tree:v1 "$OUT"
expect "the imported snapshot equals the restored tree" 0

"$CTL" export tree:v1 -o - --gzip --json >"$WORK/piped.tar.gz" 2>"$WORK/stderr"; status=$?
expect "export -o - --gzip" 0
gzip -t "$WORK/piped.tar.gz" && tar -tzf "$WORK/piped.tar.gz" >/dev/null && ok "stdout carries only the gzip archive" \
    || fail "stdout is not a valid tar.gz"
grep -q '"command":"export"' "$WORK/stderr" && ok "... and the JSON summary went to stderr" || { fail "no summary on stderr"; show; }
"$CTL" --root "$OTHER" import - --name piped --version v1 <"$WORK/piped.tar.gz" >"$WORK/stdout" 2>"$WORK/stderr"; status=$?
expect "import - from stdin, renamed" 0
grep -q '^import piped:v1 from -: ' "$WORK/stdout" && ok "... reports piped:v1" || { fail "import - summary"; show; }
"$CTL" export tree:v1 -o - | "$CTL" --root "$OTHER" import - --name through-pipe --version v1 >"$WORK/stdout" 2>"$WORK/stderr"
status=$?
expect "export -o - | import -" 0

run export tree:v1 --to-dir "$WORK/exported"
expect "export --to-dir" 0
[ -f "$WORK/exported/snapshot.json" ] && [ -f "$WORK/exported/files/rw.txt" ] && ok "the export directory has snapshot.json and files/" \
    || fail "export directory layout"
run --root "$OTHER" import "$WORK/exported" --name from-dir --version v1
expect "import DIR" 0

head -c 100000 "$WORK/tree.tar" >"$WORK/cut.tar"
run --root "$OTHER" import "$WORK/cut.tar" --name cut --version v1
expect "import of a truncated archive" 16 "truncated"
tar -cf "$WORK/plain.tar" -C "$SRC" rw.txt sub/data.bin
run --root "$OTHER" import "$WORK/plain.tar"
expect "import of a plain tar without --name" 11 "no snapshot.json"
run --root "$OTHER" import "$WORK/plain.tar" --name plain --version v1 --json
expect "import of a plain tar with --name and --version" 0
json "... holds its two files" "d['files'] == 2"
run export nope:v1 -o "$WORK/nope.tar"
expect "export of an unknown snapshot" 12 "nope:v1"
[ ! -e "$WORK/nope.tar" ] && [ -z "$(ls "$WORK" | grep partial)" ] && ok "... leaves no file behind" || fail "a failed export left $(ls "$WORK" | grep nope)"
run export tree:v1
expect "export without a destination" 2 "-o FILE"
run export tree:v1 --to-dir "$WORK/x" --gzip
expect "--gzip with --to-dir" 2 "--gzip"
run import "$WORK/tree.tar" --name only-name
expect "import --name without --version" 2 "together"

# -------------------------------------------------------------- interrupts
# 256 MiB, so that the signal lands mid-snapshot: the test waits until the snapshot writes content.
mkdir -p "$WORK/big"
for i in 0 1 2 3 4 5 6 7; do head -c 33554432 /dev/urandom >"$WORK/big/f$i.bin"; done
interrupt() {
    local signal=$1 version=$2 started=0
    "$CTL" snapshot --name big --version "$version" --base-dir "$WORK/big" --all >"$WORK/stdout" 2>"$WORK/stderr" &
    local pid=$!
    for _ in $(seq 1 1000); do
        if compgen -G "$ROOT/storage/content/xxh3/.content-*" >/dev/null; then started=1; break; fi
        sleep 0.01
    done
    kill -"$signal" "$pid"
    wait "$pid"
    status=$?
    [ $started = 1 ] || fail "SIG$signal: the snapshot did not start writing content within 10 s"
    expect "SIG$signal mid-snapshot exits 130" 130 "CANCELLED"
    leftovers=$(find "$ROOT/storage" -name '.*' -type f | wc -l)
    [ "$leftovers" = 0 ] && ok "SIG$signal: no temporary file left" || fail "SIG$signal: $leftovers temporary files left"
    run restore --name big --version "$version"
    expect "SIG$signal: the interrupted snapshot is not visible" 12 "NOT_FOUND"
}
interrupt TERM v1
# Background jobs of a non-interactive shell ignore SIGINT unless job control is on.
set -m
interrupt INT v2
set +m
run snapshot --name big --version v1 --base-dir "$WORK/big" --all
expect "the interrupted name:version can be snapshotted" 0

# ------------------------------------------------------------ gc, verify
GCROOT=$WORK/gcroot
mkdir -p "$WORK/gcsrc"
for v in v1 v2 v3; do
    head -c 50000 /dev/urandom >"$WORK/gcsrc/state.bin"
    run --root "$GCROOT" snapshot --name app --version $v --base-dir "$WORK/gcsrc" --all
done
run --root "$GCROOT" --keep-last 1 --min-retention 0 gc --dry-run
expect "gc --dry-run" 0
grep -q "^gc --dry-run: would evict 2 snapshots" "$WORK/stdout" && grep -q "  app:v1 (keep_last" "$WORK/stdout" \
    || fail "gc --dry-run summary: $(cat "$WORK/stdout")"
run --root "$GCROOT" --json --keep-last 1 --min-retention 0 gc
expect "gc --json" 0
json "gc --json" "d['command'] == 'gc' and not d['dry_run'] and [e['version'] for e in d['evicted']] == ['v1', 'v2'] \
    and all(e['reason'] == 'keep_last' for e in d['evicted']) and d['content_removed'] == 2 and d['orphans']['records'] == 0"
run --root "$GCROOT" restore --name app --version v1
expect "an evicted snapshot is gone" 12 "NOT_FOUND"
run --root "$GCROOT" --json verify
expect "verify of a sound store" 0
json "verify --json" "d['command'] == 'verify' and d['problems'] == [] and d['snapshots_checked'] == 1 and d['problems_unrepaired'] == 0"
for f in "$GCROOT"/storage/content/xxh3/*; do chmod u+w "$f"; printf 'X' | dd of="$f" bs=1 seek=40 conv=notrunc status=none; done
run --root "$GCROOT" verify --repair
expect "verify --repair with corruption it cannot repair exits 1" 1
grep -q "^verify: .*: PROBLEMS" "$WORK/stdout" && grep -q "  corrupt_content xxh3:" "$WORK/stdout" \
    && grep -q "  unrestorable_snapshot app:v3" "$WORK/stdout" || fail "verify report: $(cat "$WORK/stdout")"
run --root "$GCROOT" gc --repair
expect "--repair is an option of verify" 2 "--repair"
run --root "$GCROOT" verify --dry-run
expect "--dry-run is an option of gc" 2 "--dry-run"
run --root "$GCROOT" gc --name app
expect "--name is not an option of gc" 2 "--name"
run --root "$GCROOT" --high-watermark 101 gc
expect "--high-watermark out of range" 2 "--high-watermark '101'"
run --root "$GCROOT" --high-watermark 50 --low-watermark 60 gc
expect "a low watermark above the high one" 11 "gc.low_watermark_percent"

# -------------------------------------------------------------- progress
if command -v script >/dev/null 2>&1; then
    script -qec "'$CTL' snapshot --name big --version v3 --base-dir '$WORK/big' --all" /dev/null >"$WORK/tty" 2>&1
    status=$?
    if [ $status = 0 ] && grep -q $'\rsnapshot: [0-9]*/8 files' "$WORK/tty"; then
        ok "progress line on a terminal"
    else
        fail "no progress line on a terminal (exit $status)"; sed 's/^/        /' "$WORK/tty" | tr '\r' '\n' | head
    fi
else
    echo "skip  progress on a terminal (no script(1))"
fi

[ $failures = 0 ] || { echo "$failures snapshotctl check(s) failed"; exit 1; }
