module libsnapshotter.dev/bindings/go

go 1.19
