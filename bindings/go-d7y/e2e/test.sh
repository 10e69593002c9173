#!/usr/bin/env bash
# d7y.io/snapshotter's example program (main.go: upstream's, with checks) built against libsnapshotter
# through this module, its go.mod changed only by replace lines: snapshot metadata goes to a real
# registry (docker-registry with htpasswd auth), content through the dfdaemon stand-in. Then checks what
# both of them hold: the OCI artifact of every checkpoint and one object per distinct file. Also runs the
# module's test of per-call content providers, which needs the stand-in.
#   bindings/go-d7y/e2e/test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: test.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-d7y.XXXXXX")
# shellcheck source=tests/services.sh
. "$HERE/../../../tests/services.sh"
trap 'stop_services; rm -rf "$WORK"' EXIT
PASSWORD='e2e-pw$ecret'
failures=0
ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }

htpasswd -Bbc "$WORK/htpasswd" admin "$PASSWORD" >/dev/null 2>&1
start_registry registry '' 'auth:' '  htpasswd:' '    realm: d7y-e2e' "    path: $WORK/htpasswd"
start_standin

# Built as a program outside any workspace is: its go.mod alone says where the modules are.
export GOWORK=off PKG_CONFIG_PATH=$BUILD/lib/pkgconfig
(cd "$HERE" && go vet ./... && go build -o "$WORK/e2e" .) || { echo "FAIL  the example program does not build"; exit 1; }

# The program's temporary dirs go under $WORK, which shares a filesystem with the stand-in's storage
# (dfdaemon hardlinks its files into the store).
mkdir -p "$WORK/tmp"
if env TMPDIR="$WORK/tmp" SNAPSHOTTER_ROOT_DIR="$WORK/root" DRAGONFLY_ENDPOINT="unix://$WORK/dfdaemon.sock" \
    REGISTRY_ENDPOINT="http://127.0.0.1:$PORT" REGISTRY_USERNAME=admin REGISTRY_PASSWORD="$PASSWORD" \
    REGISTRY_NAMESPACE=snapshotter CONTENT_PROVIDER=s3 CONTENT_BUCKET=test-bucket CONTENT_REGION=us-east-1 \
    CONTENT_ENDPOINT=http://127.0.0.1:9000 CONTENT_ACCESS_KEY_ID=minioadmin CONTENT_ACCESS_KEY_SECRET=minioadmin \
    "$WORK/e2e" >"$WORK/e2e.log" 2>&1; then
    ok "the example program snapshots, restores and checks three checkpoints"
else
    fail "the example program failed:"; sed 's/^/        /' "$WORK/e2e.log"
fi

for ref in ckpt1:v1 ckpt2:v2 ckpt3:v3; do
    manifest=$(skopeo inspect --raw --tls-verify=false --creds "admin:$PASSWORD" \
        "docker://127.0.0.1:$PORT/snapshotter/${ref%%:*}:${ref##*:}" 2>&1)
    if grep -q '"artifactType":"application/vnd.cncf.dragonfly.snapshotter.manifest.v1+json"' <<<"$manifest" \
        && grep -q '"mediaType":"application/vnd.cncf.dragonfly.snapshotter.config.v1+json"' <<<"$manifest"; then
        ok "$ref is a snapshotter artifact in the registry"
    else
        fail "$ref in the registry: $manifest"
    fi
done
# 15 files of random content: 15 objects, uploaded with the replica count d7y.io/snapshotter asks for.
objects=$(find "$WORK/objects/test-bucket/xxh3" -type f 2>/dev/null | wc -l)
[ "$objects" = 15 ] && ok "15 objects in the bucket" || fail "$objects objects in the bucket, expected 15"
# One grep each: `grep | grep -q` fails under pipefail when the first grep is cut off by the second's exit.
grep -q '"method":"UploadPersistentTask",.*"persistent_replica_count":"3"' "$WORK/standin.out" \
    && ok "uploads ask for 3 replicas" || fail "no upload asked for 3 replicas"
grep -q '"method":"DownloadPersistentTask",.*"url":"s3://test-bucket/xxh3/' "$WORK/standin.out" \
    && ok "the empty store downloaded through dfdaemon" || fail "no download through dfdaemon"

# The module's own test of per-call content providers, which needs a dfdaemon.
if (cd "$HERE/.." && GOWORK= D7Y_TEST_DFDAEMON="$WORK/dfdaemon.sock" D7Y_TEST_OBJECTS="$WORK/objects" \
    go test -count=1 -run TestAContentProviderGivenPerCallReplacesTheOneInUse -v . >"$WORK/gotest.log" 2>&1) \
    && grep -q -- '--- PASS: TestAContentProviderGivenPerCallReplacesTheOneInUse' "$WORK/gotest.log"; then
    ok "a content provider given per call replaces the one in use"
else
    fail "per-call content providers:"; sed 's/^/        /' "$WORK/gotest.log"
fi

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
