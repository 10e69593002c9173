#!/usr/bin/env bash
# The containerd side of the library, as root: containerd 1.6.20's own snapshotter contract suite
# (snapshots/testsuite) and a real containerd daemon driven by ctr, each against containerd's own
# snapshotters as the control and against the adapter. Built in GOPATH mode against Debian's containerd
# sources (golang-github-containerd-containerd-dev); nothing is downloaded.
#
#   tests/containerd/run.sh BUILD_DIR [go test flags...]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:?usage: tests/containerd/run.sh BUILD_DIR [go test flags...]}" && pwd)
shift
[ "$(id -u)" = 0 ] || { echo "tests/containerd/run.sh: needs root (mounts and a containerd daemon)" >&2; exit 1; }
for tool in containerd ctr go; do
    command -v "$tool" >/dev/null 2>&1 || { echo "tests/containerd/run.sh: $tool is missing" >&2; exit 1; }
done

. "$ROOT/tests/containerd/gopath.sh"
containerd_gopath "$ROOT" "$BUILD"
# GOPATH mode does not follow the symlink for "..." patterns: the packages are listed.
packages=(libsnapshotter.dev/bindings/go/containerd libsnapshotter.dev/bindings/go/containerd/cmd/containerd-libsnapshotter)
go vet "${packages[@]}"
go test -count=1 "$@" "${packages[@]}" -args -test.root
