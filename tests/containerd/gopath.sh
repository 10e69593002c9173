# Sourced: containerd_gopath ROOT BUILD exports a GOPATH-mode Go environment in which the containerd
# adapter (libsnapshotter.dev/bindings/go/containerd) builds against Debian's containerd sources under
# /usr/share/gocode, with nothing downloaded. The repository's Go binding is made visible under a GOPATH
# of its own by a symlink, and cgo links it against BUILD/lib/libsnapshotter.so.
containerd_gopath() {
    local root=$1 build=$2
    local gopath=$build/go/containerd-gopath
    [ -d /usr/share/gocode/src/github.com/containerd/containerd/snapshots/testsuite ] \
        || { echo "containerd's Go sources are missing: apt-get install golang-github-containerd-containerd-dev" >&2; return 1; }
    mkdir -p "$gopath/src/libsnapshotter.dev/bindings"
    ln -sfn "$root/bindings/go" "$gopath/src/libsnapshotter.dev/bindings/go"
    export GO111MODULE=off GOPROXY=off GOFLAGS= \
        GOPATH="$gopath:/usr/share/gocode" GOCACHE="$build/go/containerd-cache" \
        PKG_CONFIG_PATH="$build/lib/pkgconfig" CGO_ENABLED=1
}
