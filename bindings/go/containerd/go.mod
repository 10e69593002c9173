// The containerd adapter builds in GOPATH mode against Debian's containerd 1.6.20 sources
// (golang-github-containerd-containerd-dev under /usr/share/gocode), never through the module proxy.
// This file only keeps the directory out of the libsnapshotter.dev/bindings/go module, whose module-mode
// build has no requirements; GOPATH mode ignores it. See docs/bindings.md.
module libsnapshotter.dev/bindings/go/containerd

go 1.19
