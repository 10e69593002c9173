#!/usr/bin/env bash
# snapshotctl and the AOT library against real registries: snapshot on one root, restore on another
# through docker-registry with htpasswd auth (password on stdin), through https with --ca-file and
# --insecure, and through an oci: layout; wrong credentials, missing --registry and an unreachable
# registry give their exit statuses, and no message shows the password.
#   registry_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: registry_test.sh BUILD_DIR}" && pwd)
CTL=$BUILD/bin/snapshotctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-registry.XXXXXX")
# shellcheck source=tests/services.sh
. "$(dirname "${BASH_SOURCE[0]}")/../services.sh"
cleanup() {
    stop_services
    rm -rf "$WORK"
}
trap cleanup EXIT
unset SNAPSHOTTER_ROOT
PASSWORD='pw-$ecret"with spaces'
failures=0

ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }
# run [STDIN] -- ARGS...: runs snapshotctl; leaves $status, $WORK/stdout, $WORK/stderr.
run() {
    local input=$1
    shift 2
    printf '%s\n' "$input" | "$CTL" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    status=$?
}
expect() {
    local what=$1 want=$2 pattern=${3:-}
    if [ "$status" != "$want" ]; then
        fail "$what: exit $status, expected $want"; sed 's/^/        /' "$WORK/stdout" "$WORK/stderr"
    elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$WORK/stderr"; then
        fail "$what: stderr does not match /$pattern/"; sed 's/^/        /' "$WORK/stderr"
    else
        ok "$what"
    fi
}
same_tree() {
    local out=$1 what=$2
    for f in model.bin disk/sparse.img notes.txt; do
        cmp -s "$SRC/$f" "$out/$f" || { fail "$what: $f differs"; return; }
    done
    [ "$(stat -c %b "$out/disk/sparse.img")" -lt 1000 ] || { fail "$what: sparse.img lost its holes"; return; }
    ok "$what: the restored tree matches"
}
SRC=$WORK/src
mkdir -p "$SRC/disk"
head -c 500000 /dev/urandom >"$SRC/model.bin"
truncate -s 16M "$SRC/disk/sparse.img"
printf 'data' | dd of="$SRC/disk/sparse.img" bs=1 seek=9000000 conv=notrunc status=none
printf 'notes\n' >"$SRC/notes.txt"
CONTENT=dir:$WORK/content

# ------------------------------------------------------- htpasswd registry
htpasswd -Bbc "$WORK/htpasswd" alice "$PASSWORD" >/dev/null 2>&1
start_registry basic '' 'auth:' '  htpasswd:' '    realm: registry-test' "    path: $WORK/htpasswd"
REG=http://127.0.0.1:$PORT
AUTH=(--registry "$REG" --namespace team/snapshots --username alice --password-stdin --content "$CONTENT")

run "$PASSWORD" -- --root "$WORK/a" "${AUTH[@]}" snapshot --name app --version v1 --base-dir "$SRC" --all --ro model.bin
expect "snapshot with a registry and Basic auth" 0
run "$PASSWORD" -- --root "$WORK/b" "${AUTH[@]}" --json restore --name app --version v1 --output-dir "$WORK/out-b"
expect "restore on another root from the registry" 0
same_tree "$WORK/out-b" "registry"
# model.bin, notes.txt, disk/sparse.img and the directory disk: --all records the tree's directories too.
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["files"] == 4, d' "$WORK/stdout" \
    && ok "restore --json counts the pulled files" || fail "restore --json: $(cat "$WORK/stdout")"
curl -sf -u "alice:$PASSWORD" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "$REG/v2/team/snapshots/app/manifests/v1" | grep -q '"artifactType":"application/vnd.cncf.dragonfly.snapshotter.manifest.v1+json"' \
    && ok "the manifest is in team/snapshots/app:v1" || fail "no snapshot manifest at team/snapshots/app:v1"

printf 'v2\n' >"$SRC/notes.txt"
run "$PASSWORD" -- --root "$WORK/a" "${AUTH[@]}" snapshot --name app --version v2 --base-dir "$SRC" --all
expect "a second version" 0
run "$PASSWORD" -- --root "$WORK/b" "${AUTH[@]}" --json list app --remote
expect "list --remote" 0
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); s = [(x["version"], x["local"], x["remote"]) for x in d["snapshots"]]
assert s == [("v1", True, True), ("v2", False, True)], s' "$WORK/stdout" \
    && ok "list --remote: v1 here and there, v2 only in the registry" || fail "list --remote: $(cat "$WORK/stdout")"
run "$PASSWORD" -- --root "$WORK/a" "${AUTH[@]}" --json delete app:v2 --remote
expect "delete --remote" 0
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["manifests_deleted"] == 1 and d["files"] == 4, d' "$WORK/stdout" \
    && ok "delete --remote deleted the manifest and the local snapshot" || fail "delete --remote: $(cat "$WORK/stdout")"
[ "$(curl -s -o /dev/null -w '%{http_code}' -u "alice:$PASSWORD" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "$REG/v2/team/snapshots/app/manifests/v2")" = 404 ] && ok "the registry no longer has app:v2" || fail "app:v2 is still in the registry"
run "$PASSWORD" -- --root "$WORK/b" "${AUTH[@]}" list app --remote
expect "list --remote as a table" 0
grep -qE '^app +v1 .* local\+remote$' "$WORK/stdout" && ! grep -q 'v2' "$WORK/stdout" && ok "... shows v1 in both places, no v2" \
    || { fail "list --remote table"; cat "$WORK/stdout"; }
run "" -- --root "$WORK/b" list app --remote
expect "list --remote without a registry" 11 "no registry"
printf 'notes\n' >"$SRC/notes.txt"

run "wrong-$PASSWORD" -- --root "$WORK/c" "${AUTH[@]}" restore --name app --version v1
expect "a wrong password" 21 '^snapshotctl: UNAUTHENTICATED: '
grep -qF -- "$PASSWORD" "$WORK/stderr" && fail "the password appears in the error" || ok "the password is not shown"
run "" -- --root "$WORK/c" --namespace team restore --name app --version v1
expect "--namespace without --registry" 2 "--namespace needs --registry"
printf '' | "$CTL" --root "$WORK/c" --registry "$REG" --password-stdin restore --name app --version v1 >"$WORK/stdout" 2>"$WORK/stderr"
status=$?
expect "--password-stdin with an empty stdin" 2 "no password on stdin"
run "" -- --root "$WORK/c" --registry "http://127.0.0.1:$(free_port)" restore --name app --version v1
expect "an unreachable registry" 22 '^snapshotctl: UNAVAILABLE: .*attempt'

# ------------------------------------------------------------ https registry
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=registry test CA" \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$WORK/tls.key" -out "$WORK/tls.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$WORK/tls.ext"
openssl x509 -req -in "$WORK/tls.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 1 \
    -extfile "$WORK/tls.ext" -out "$WORK/tls.pem" >/dev/null 2>&1
start_registry tls "$(printf '  tls:\n    certificate: %s\n    key: %s' "$WORK/tls.pem" "$WORK/tls.key")"
HTTPS=https://127.0.0.1:$PORT

run "" -- --root "$WORK/d" --registry "$HTTPS" --ca-file "$WORK/ca.pem" --content "$CONTENT" snapshot --name app --version v1 --base-dir "$SRC" --all
expect "snapshot to https with --ca-file" 0
run "" -- --root "$WORK/e" --registry "$HTTPS" --content "$CONTENT" restore --name app --version v1 --output-dir "$WORK/out-e"
expect "https without --ca-file" 21 "TLS"
run "" -- --root "$WORK/e" --registry "$HTTPS" --insecure --content "$CONTENT" restore --name app --version v1 --output-dir "$WORK/out-e"
expect "https with --insecure" 0
same_tree "$WORK/out-e" "https"

# --------------------------------------------------------------- oci layout
run "" -- --root "$WORK/f" --registry "oci:$WORK/layout" --content "$CONTENT" snapshot --name app --version v1 --base-dir "$SRC" --all
expect "snapshot into an oci: layout" 0
run "" -- --root "$WORK/g" --registry "oci:$WORK/layout" --content "$CONTENT" restore --name app --version v1 --output-dir "$WORK/out-g"
expect "restore from the oci: layout on another root" 0
same_tree "$WORK/out-g" "oci layout"
skopeo inspect --raw "oci:$WORK/layout:app:v1" | grep -q '"artifactType"' \
    && ok "skopeo reads the layout" || fail "skopeo cannot read oci:$WORK/layout:app:v1"
run "" -- --root "$WORK/g" --registry "oci:relative" restore --name app --version v1
expect "a relative oci: path" 11 "absolute"

[ $failures = 0 ] || { echo "$failures registry check(s) failed"; exit 1; }
