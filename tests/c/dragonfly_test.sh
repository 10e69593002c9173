#!/usr/bin/env bash
# snapshotctl with content providers, end to end through the C ABI: --content dir:PATH, and Dragonfly
# against the dfdaemon stand-in (tests/dragonfly, @grpc/grpc-js): upload on snapshot, download on restore
# once the local copy is gone, the secret read from stdin and never printed, the codes of dfdaemon's
# failures, and the usage errors of the options.
#   dragonfly_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: dragonfly_test.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CTL=$BUILD/bin/snapshotctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-df.XXXXXX")
# shellcheck source=tests/services.sh
. "$HERE/../services.sh"
cleanup() {
    stop_services
    rm -rf "$WORK"
}
trap cleanup EXIT
unset SNAPSHOTTER_ROOT
ROOT=$WORK/root SRC=$WORK/src SECRET='wJalrXUtnFEMI/K7MDENG+secret'
# shellcheck source=tests/c/cli_helpers.sh
. "$HERE/cli_helpers.sh"
same_tree() { diff -r "$SRC" "$1" >/dev/null && ok "$2" || { fail "$2"; diff -r "$SRC" "$1" | head -5; }; }
forget_local_content() { rm -f "$ROOT"/storage/content/xxh3/* "$ROOT"/storage/snapshot/xxh3/*; }

mkdir -p "$SRC/sub"
head -c 700000 /dev/urandom >"$SRC/sub/memory.bin"
printf 'state\n' >"$SRC/state.txt"

# ------------------------------------------------------------------ dir:
run --root "$ROOT" --content "dir:$WORK/shared" snapshot --name vm --version v1 --base-dir "$SRC" --all
expect "snapshot publishes to a content directory" 0
[ "$(ls "$WORK/shared/xxh3" | wc -l)" = 2 ] && ok "two objects in the directory" || fail "objects: $(ls "$WORK/shared/xxh3")"
forget_local_content
run --root "$ROOT" --content "dir:$WORK/shared" restore --name vm --version v1 --output-dir "$WORK/out-dir"
expect "restore fetches from the content directory" 0
same_tree "$WORK/out-dir" "the tree restored from the directory is identical"

# ------------------------------------------------------------------ Dragonfly
start_standin

DF=(--dragonfly "unix://$WORK/dfdaemon.sock" --provider s3 --bucket bucket/prefix --region eu-west-1
    --endpoint http://objects.example:9000 --access-key-id AKID --access-key-secret-stdin --ttl 3600)
ROOT=$WORK/df-root
"$CTL" --root "$ROOT" "${DF[@]}" snapshot --name vm --version v1 --base-dir "$SRC" --all \
    <<<"$SECRET" >"$WORK/stdout" 2>"$WORK/stderr"
status=$?
expect "snapshot uploads through dfdaemon" 0
[ "$(ls "$WORK/objects/bucket/prefix/xxh3" | wc -l)" = 2 ] && ok "two objects in object storage" \
    || fail "objects: $(ls -R "$WORK/objects")"
# Through a file, not a pipe: a grep -q that stops early would fail the pipeline (pipefail).
grep '"method":"UploadPersistentTask"' "$WORK/standin.out" >"$WORK/uploads"
grep -qF "\"access_key_secret\":\"$SECRET\"" "$WORK/uploads" \
    && ok "the secret from stdin reaches dfdaemon" || fail "the secret did not reach dfdaemon"
grep -q '"ttl":{"seconds":"3600"}' "$WORK/uploads" \
    && ok "--ttl reaches dfdaemon" || fail "--ttl did not reach dfdaemon"

forget_local_content
# The loader's log of every library the process loads: gRPC over h2c needs no TLS, so no OpenSSL.
LD_DEBUG=libs LD_DEBUG_OUTPUT="$WORK/ld" "$CTL" --root "$ROOT" "${DF[@]}" --json restore --name vm --version v1 \
    --output-dir "$WORK/out-df" <<<"$SECRET" >"$WORK/stdout" 2>"$WORK/stderr"
status=$?
expect "restore downloads through dfdaemon" 0
same_tree "$WORK/out-df" "the tree restored through dfdaemon is identical"
if ! grep -q 'calling init: .*libsnapshotter' "$WORK"/ld.*; then fail "no loader log to check for OpenSSL"
elif grep -qE 'libssl|libcrypto' "$WORK"/ld.*; then fail "a download through dfdaemon loaded OpenSSL"
else ok "a download through dfdaemon loads no OpenSSL"; fi
grep -q '"force_hard_link":true' "$WORK/standin.out" && ok "downloads ask for a hardlink" || fail "no force_hard_link"

forget_local_content
standin '{"op":"fault","method":"download","kind":"refuse","code":14,"message":"backend rejected '"$SECRET"'"}'
"$CTL" --root "$ROOT" "${DF[@]}" --json restore --name vm --version v1 \
    <<<"$SECRET" >"$WORK/stdout" 2>"$WORK/stderr"
status=$?
expect "a refused download is UNAVAILABLE" 22 "^snapshotctl: UNAVAILABLE: download of content xxh3:[0-9a-f]+ .*backend rejected"
if grep -qF -- "$SECRET" "$WORK/stdout" "$WORK/stderr"; then fail "the secret was printed"; show; else ok "the secret is never printed"; fi
grep -q '"code":"UNAVAILABLE"' "$WORK/stdout" && ok "--json names the code" || { fail "--json error"; show; }
standin '{"op":"clear"}'

run --root "$ROOT" --dragonfly "unix://$WORK/nobody.sock" --provider s3 --bucket b restore --name vm --version v1
expect "an unreachable dfdaemon is UNAVAILABLE naming it" 22 "cannot reach unix://$WORK/nobody.sock"

# ------------------------------------------------------------------ usage
run --root "$ROOT" --content "dir:$WORK/shared" --provider s3 --bucket b restore --name vm --version v1
expect "--content with Dragonfly options" 2 "exclude each other"
run --root "$ROOT" --dragonfly "unix://$WORK/dfdaemon.sock" --bucket b restore --name vm --version v1
expect "Dragonfly without --provider" 2 "--provider is required"
run --root "$ROOT" --provider s3 restore --name vm --version v1
expect "Dragonfly without --bucket" 2 "--bucket is required"
run --root "$ROOT" --provider s3 --bucket b --access-key-secret-stdin restore --name vm --version v1 </dev/null
expect "a secret without an id" 2 "needs --access-key-id"
run --root "$ROOT" --provider s3 --bucket b --access-key-id AKID --access-key-secret-stdin restore --name vm --version v1 </dev/null
expect "an empty stdin for the secret" 2 "no access key secret on stdin"
run --root "$ROOT" --provider s3 --bucket b --ttl 0 restore --name vm --version v1
expect "--ttl 0" 2 "--ttl '0' is not a number from 1"
run --root "$ROOT" --provider s3 --bucket b --ttl 30 restore --name vm --version v1
expect "--ttl below dfdaemon's range" 11 "content.ttl_seconds 30 is outside 60..604800"
run --root "$ROOT" --provider ftp --bucket b restore --name vm --version v1
expect "an unknown provider" 11 "content.provider 'ftp'"

exec 8>&-
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
