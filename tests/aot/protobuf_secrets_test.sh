#!/usr/bin/env bash
# Protobuf messages hold the object storage secret (common.v2.ObjectStorage), and a generated message's
# ToString() prints every field value. libsnapshotter.so is compiled with trimming substitutions that
# make it print no value (src/Native/ILLink.Substitutions.xml). This compiles a probe with the same
# substitutions under Native AOT and checks that its ToString() of such a message shows no secret, and,
# so that the check can fail, that the same probe on the JIT (no substitutions) does show it.
#   tests/aot/protobuf_secrets_test.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: protobuf_secrets_test.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=$HERE/ProtobufSecrets/ProtobufSecrets.csproj
OUT=$BUILD/obj/protobuf-secrets
SECRET=sEcReT-$RANDOM$RANDOM
failures=0
ok() { printf 'ok    %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; failures=$((failures + 1)); }

dotnet build "$PROJECT" -c Release -nologo -v quiet -o "$OUT/jit" -p:TreatWarningsAsErrors=true >"$OUT.build.log" 2>&1 \
    || { cat "$OUT.build.log"; exit 1; }
jit=$(dotnet "$OUT/jit/ProtobufSecrets.dll" "$SECRET")
case "$jit" in
    *"$SECRET"*) ok "without the substitutions, ToString() prints the secret (the check below can fail)" ;;
    *) fail "the JIT probe did not print the secret: $jit" ;;
esac

dotnet publish "$PROJECT" -c Release -nologo -v quiet -o "$OUT/aot" -p:TreatWarningsAsErrors=true >"$OUT.publish.log" 2>&1 \
    || { cat "$OUT.publish.log"; exit 1; }
aot=$("$OUT/aot/ProtobufSecrets" "$SECRET")
case "$aot" in
    *"$SECRET"*) fail "compiled like the library, ToString() printed the secret: $aot" ;;
    *AKID* | *eu-west-1*) fail "compiled like the library, ToString() printed a field value: $aot" ;;
    *) ok "compiled like the library, ToString() prints no field value ($aot)" ;;
esac

[ "$failures" = 0 ] && echo "2 passed, 0 failed" || { echo "$((2 - failures)) passed, $failures failed"; exit 1; }
