#!/usr/bin/env bash
# The tree comparer and generator the tree-fidelity suite relies on, tested on their own
# (tests/tree/compare_test.py): identical trees match and each kind of alteration is reported.
#   tree_compare_test.sh BUILD_DIR     (BUILD_DIR is not used: nothing here needs the library)
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/../tree/compare_test.py"
