module libsnapshotter/examples

go 1.19

require libsnapshotter/snapshotter v0.0.0

replace libsnapshotter/snapshotter => ../../bindings/go
