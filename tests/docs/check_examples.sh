#!/usr/bin/env bash
# Every C example (```c block) in README.md and docs/ must compile against include/snapshotter.h, so the
# documentation cannot drift from the header. A block that defines functions (a line that is just "{")
# is compiled as a file of its own; any other block becomes the body of a function. The variables the
# examples share (a handle, an error, a result code, options) are declared once, outside, and a block may
# declare its own, which then shadow them.
set -euo pipefail
cd "$(dirname "$0")/../.."
CC="${CC:-cc}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

count=0
failures=0
while IFS= read -r page; do
    awk -v dir="$work" -v page="$(echo "$page" | tr '/.' '__')" '
        /^```c[[:space:]]*$/ { inside = 1; n++; file = sprintf("%s/%s_%d.c", dir, page, n); next }
        /^```/ && inside { inside = 0; close(file); next }
        inside && !/^#include <snapshotter.h>/ { print > file }
    ' "$page"
    for body in "$work/$(echo "$page" | tr '/.' '__')"_*.c; do
        [[ -e "$body" ]] || continue
        count=$((count + 1))
        {
            printf '#include <snapshotter.h>\n#include <fcntl.h>\n#include <stdio.h>\n'
            printf 'extern snapshotter *s, *other_store;\nextern snapshotter_error *err;\n'
            printf 'extern snapshotter_code rc;\nextern snapshotter_options opts;\nextern const char *password;\n'
            if grep -qx '{' "$body"; then
                cat "$body"
            else
                printf 'void example(void);\nvoid example(void) {\n'
                cat "$body"
                printf '}\n'
            fi
        } > "$body.unit.c"
        if ! "$CC" -std=c11 -Wall -Wextra -Werror -Wno-unused-variable -Wno-unused-but-set-variable -Wno-unused-parameter \
            -fsyntax-only -Iinclude "$body.unit.c" 2> "$body.log"; then
            echo "$page: a C example does not compile against include/snapshotter.h:" >&2
            sed 's/^/    /' "$body.log" >&2
            failures=$((failures + 1))
        fi
    done
done < <(find README.md docs -name '*.md' | sort)

if ((failures > 0)); then
    echo "$failures of $count C example(s) in the documentation do not compile" >&2
    exit 1
fi
echo "documentation examples: all $count C examples compile against the header"
