# Helpers of the snapshotctl test scripts (sourced, not run): each script sets CTL (the snapshotctl
# binary) and WORK (its temp dir) first, and ends with `[ "$failures" = 0 ]`.
failures=0

ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }
# run ARGS...: runs snapshotctl; leaves $status, $WORK/stdout, $WORK/stderr.
run() { "$CTL" "$@" >"$WORK/stdout" 2>"$WORK/stderr"; status=$?; }
show() { sed 's/^/        /' "$WORK/stdout" "$WORK/stderr"; }
# expect WHAT STATUS [STDERR_REGEX]: the last run ended with STATUS and its stderr matches.
expect() {
    local what=$1 want=$2 pattern=${3:-}
    if [ "$status" != "$want" ]; then
        fail "$what: exit $status, expected $want"; show
    elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$WORK/stderr"; then
        fail "$what: stderr does not match /$pattern/"; show
    else
        ok "$what"
    fi
}
