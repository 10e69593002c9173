module d7y.io/snapshotter/e2e

go 1.19

require d7y.io/snapshotter v0.0.1

require libsnapshotter.dev/bindings/go v0.1.0 // indirect

// libsnapshotter in place of d7y.io/snapshotter: these lines are the only change the program needs.
replace d7y.io/snapshotter v0.0.1 => ../

replace libsnapshotter.dev/bindings/go => ../../go
