#!/usr/bin/env bash
# The shared library exports exactly the header's functions, carries its SONAME and NODELETE, needs
# nothing but libc, libm and the loader, and is alone in lib/ with its two symlinks and pkgconfig/.
#   exports_test.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?usage: exports_test.sh BUILD_DIR}
HEADER=$BUILD/include/snapshotter.h
LIB=$BUILD/lib/libsnapshotter.so
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-exports.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
status=0
fail() { echo "FAIL  $*"; status=1; }
ok() { echo "ok    $*"; }

# Functions the header declares: comments stripped by the preprocessor, then every identifier
# snapshotter_... directly followed by '(' (typedef'd function pointers are written '(*name)(').
gcc -E -P -x c -I"$BUILD/include" "$HEADER" | grep -oE '\bsnapshotter_[a-z0-9_]+[[:space:]]*\(' \
    | sed -E 's/[[:space:]]*\($//' | sort -u >"$WORK/declared"
nm -D --defined-only "$LIB" | awk '{ print $NF }' | sed 's/@.*//' | sort -u >"$WORK/exported"
grep '^snapshotter_' "$WORK/exported" >"$WORK/exported_api" || true

[ "$(wc -l <"$WORK/declared")" -ge 10 ] || fail "found only $(wc -l <"$WORK/declared") declarations in the header"
missing=$(comm -23 "$WORK/declared" "$WORK/exported_api")
extra=$(comm -13 "$WORK/declared" "$WORK/exported_api")
[ -z "$missing" ] && ok "all $(wc -l <"$WORK/declared") declared functions are exported" \
    || fail "declared in the header but not exported: $(echo $missing)"
[ -z "$extra" ] && ok "no snapshotter_ export beyond the header" || fail "exported but not in the header: $(echo $extra)"
# NativeAOT's debugger anchor is the one foreign export allowed; anything else leaks into the global namespace.
others=$(grep -v '^snapshotter_' "$WORK/exported" | grep -vxE 'DotNetRuntimeDebugHeader|V1\.0' || true)
[ -z "$others" ] && ok "no foreign symbol exported" || fail "unexpected exports: $(echo $others)"

readelf -d "$LIB" >"$WORK/dynamic"
soname=$(sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p' "$WORK/dynamic")
[ "$soname" = libsnapshotter.so.0 ] && ok "SONAME $soname" || fail "SONAME is '$soname', expected libsnapshotter.so.0"
grep -E '\(FLAGS_1\)' "$WORK/dynamic" | grep -qw NODELETE && ok "NODELETE" \
    || fail "no NODELETE flag: the .NET runtime cannot be unloaded, dlclose must not unmap it"
needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' "$WORK/dynamic" | sort | tr '\n' ' ')
unexpected=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' "$WORK/dynamic" | grep -vxE 'libc\.so\.6|libm\.so\.6|ld-linux-x86-64\.so\.2' || true)
[ -z "$unexpected" ] && ok "NEEDED: $needed" || fail "needs more than libc/libm/ld-linux: $(echo $unexpected)"
if grep -qE '\((RPATH|RUNPATH)\)' "$WORK/dynamic"; then
    echo "note  $(grep -E '\((RPATH|RUNPATH)\)' "$WORK/dynamic" | sed 's/^ *//')"
fi

version=$(sed -n 's/^#define SNAPSHOTTER_VERSION_STRING "\(.*\)"$/\1/p' "$HEADER")
expected_files=$(printf '%s\n' libsnapshotter.so libsnapshotter.so.0 "libsnapshotter.so.$version" pkgconfig | sort)
actual_files=$(ls -A "$BUILD/lib" | sort)
[ "$actual_files" = "$expected_files" ] && ok "lib/ holds only $(echo $actual_files)" \
    || fail "lib/ holds $(echo $actual_files), expected $(echo $expected_files)"
[ "$(readlink "$BUILD/lib/libsnapshotter.so")" = libsnapshotter.so.0 ] \
    && [ "$(readlink "$BUILD/lib/libsnapshotter.so.0")" = "libsnapshotter.so.$version" ] \
    && [ -f "$BUILD/lib/libsnapshotter.so.$version" ] && [ ! -L "$BUILD/lib/libsnapshotter.so.$version" ] \
    && ok "symlinks .so -> .so.0 -> .so.$version" || fail "symlink chain .so -> .so.0 -> .so.$version is wrong"
exit $status
