#!/usr/bin/env bash
# The fault campaign (tests/c/fault_campaign.py): snapshotctl killed, and failed with ENOSPC and EIO, at sampled
# state-changing syscalls of every operation, with the store, the committed snapshots, the sources and the
# error codes checked after each. STRESS=1 visits every point.
#   fault_campaign_test.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: fault_campaign_test.sh BUILD_DIR}" && pwd)
exec python3 "$(dirname "${BASH_SOURCE[0]}")/fault_campaign.py" "$BUILD"
