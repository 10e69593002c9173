module libsnapshotter.dev/tests/tree

go 1.19

require libsnapshotter.dev/bindings/go v0.1.0
