#!/usr/bin/env bash
# The installed header compiles on its own, strictly, as C11 and as C++17, including its *_INIT macros.
#   header_compile_test.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?usage: header_compile_test.sh BUILD_DIR}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-header.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/alone.h.c" <<'SRC'
#include <snapshotter.h>
#include <snapshotter.h>
SRC
cat >"$WORK/macros.c" <<'SRC'
#include <snapshotter.h>
int use_macros(void);
int use_macros(void)
{
    snapshotter_options options = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter_registry_options registry = SNAPSHOTTER_REGISTRY_OPTIONS_INIT;
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_snapshot_request snapshot = SNAPSHOTTER_SNAPSHOT_REQUEST_INIT;
    snapshotter_restore_request restore = SNAPSHOTTER_RESTORE_REQUEST_INIT;
    snapshotter_list_request list = SNAPSHOTTER_LIST_REQUEST_INIT;
    snapshotter_inspect_request inspect = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    snapshotter_delete_request remove = SNAPSHOTTER_DELETE_REQUEST_INIT;
    snapshotter_delete_stats removed = SNAPSHOTTER_DELETE_STATS_INIT;
    snapshotter_diff_request diff = SNAPSHOTTER_DIFF_REQUEST_INIT;
    snapshotter_export_request exp = SNAPSHOTTER_EXPORT_REQUEST_INIT;
    snapshotter_import_request imp = SNAPSHOTTER_IMPORT_REQUEST_INIT;
    snapshotter_gc_options gc = SNAPSHOTTER_GC_OPTIONS_INIT;
    snapshotter_gc_request collect = SNAPSHOTTER_GC_REQUEST_INIT;
    snapshotter_verify_request verify = SNAPSHOTTER_VERIFY_REQUEST_INIT;
    snapshotter_file file = SNAPSHOTTER_FILE_INIT;
    file.relative_path = "a", file.flags = SNAPSHOTTER_FILE_READ_ONLY;
    snapshot.files = &file;
    gc.flags = SNAPSHOTTER_GC_NO_DISK_EVICTION | SNAPSHOTTER_GC_NO_MIN_RETENTION | SNAPSHOTTER_GC_NO_ORPHAN_GRACE;
    options.gc = &gc;
    restore.flags = SNAPSHOTTER_RESTORE_OVERWRITE | SNAPSHOTTER_RESTORE_IN_PLACE | SNAPSHOTTER_RESTORE_DELETE_EXTRA | SNAPSHOTTER_RESTORE_SKIP_DEVICES | SNAPSHOTTER_RESTORE_REHASH;
    options.registry = &registry;
    return (int)(options.version + stats.version + snapshot.version + restore.version + list.version + inspect.version +
                 remove.version + removed.version + diff.version + registry.version + exp.version + imp.version +
                 file.version + collect.version + verify.version) +
           SNAPSHOTTER_VERSION_NUMBER + exp.fd + imp.fd + (int)SNAPSHOTTER_EXPORT_GZIP;
}
SRC

status=0
compile() {
    local what=$1
    shift
    if "$@" 2>"$WORK/err"; then
        echo "ok    $what"
    else
        echo "FAIL  $what: $*"
        sed 's/^/      /' "$WORK/err"
        status=1
    fi
}
C_FLAGS=(-Wall -Wextra -Werror -pedantic -Wstrict-prototypes -Wmissing-prototypes -I"$BUILD/include" -fsyntax-only)
CXX_FLAGS=(-Wall -Wextra -Werror -pedantic -I"$BUILD/include" -fsyntax-only)
compile "header alone, C11"      gcc -std=c11 "${C_FLAGS[@]}" -x c "$WORK/alone.h.c"
compile "header alone, C99"      gcc -std=c99 "${C_FLAGS[@]}" -x c "$WORK/alone.h.c"
compile "header alone, C++17"    g++ -std=c++17 "${CXX_FLAGS[@]}" -x c++ "$WORK/alone.h.c"
compile "INIT macros, C11"       gcc -std=c11 "${C_FLAGS[@]}" -x c "$WORK/macros.c"
compile "INIT macros, C++17"     g++ -std=c++17 "${CXX_FLAGS[@]}" -x c++ "$WORK/macros.c"
# Every function declaration carries SNAPSHOTTER_API: in the preprocessed header (one declaration per
# ';'-separated record) each one naming snapshotter_...( outside a typedef has the visibility attribute.
unmarked=$(gcc -E -P -x c -I"$BUILD/include" "$BUILD/include/snapshotter.h" | tr '\n' ' ' \
    | awk 'BEGIN { RS = ";" } /snapshotter_[a-z0-9_]+ *\(/ && !/typedef/ && !/visibility\("default"\)/ {
        match($0, /snapshotter_[a-z0-9_]+ *\(/); print substr($0, RSTART, RLENGTH - 1) }')
declared=$(gcc -E -P -x c -I"$BUILD/include" "$BUILD/include/snapshotter.h" | grep -c 'visibility("default")')
if [ -z "$unmarked" ] && [ "$declared" -ge 10 ]; then
    echo "ok    every function is declared SNAPSHOTTER_API ($declared)"
else
    echo "FAIL  declared without SNAPSHOTTER_API: $(echo $unmarked)"
    status=1
fi
if command -v clang >/dev/null 2>&1; then
    compile "header alone, clang C11" clang -std=c11 "${C_FLAGS[@]}" -x c "$WORK/alone.h.c"
fi
exit $status
