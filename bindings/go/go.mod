module libsnapshotter/snapshotter

go 1.19
