// Package snapshotter binds libsnapshotter, a file snapshot and restore engine, through cgo.
//
// Its module path is libsnapshotter.dev/bindings/go (the bindings/go directory of the repository,
// released under the tags bindings/go/vX.Y.Z with the library's version); import it as
//
//	import snapshotter "libsnapshotter.dev/bindings/go"
//
// The package finds the library with pkg-config (libsnapshotter.pc): after `./build.sh install PREFIX`,
// set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig when PREFIX is not a system prefix; to build against a
// source tree, use its build/lib/pkgconfig.
//
// A *Snapshotter may be used from any number of goroutines at once; Close cancels the calls in flight,
// waits for them to return ErrClosed and releases the handle. Every call takes a context.Context whose
// cancellation stops the call inside the library (it returns an error matching both ErrCancelled and
// the context's error). Errors are *Error values carrying the library's code and message; compare them
// with errors.Is against ErrNotFound, ErrAlreadyExists and the other sentinels.
//
// Progress callbacks run on library threads, one at a time per call. A callback must not call Close
// on the Snapshotter running the call (Close would wait for that very call). A panic in a callback
// cancels the call and is raised again on the goroutine that made it.
package snapshotter
