package snapshotter

/*
#cgo pkg-config: libsnapshotter
#include <snapshotter.h>
*/
import "C"

import (
	"runtime"
	"sync"
)

// Snapshotter is an open store, the library's snapshotter handle. Its methods may be called from any
// number of goroutines at once.
type Snapshotter struct {
	// mu is held shared by every call while it runs and exclusively by Close: the library's close
	// must not race with the start of a call on the same handle.
	mu     sync.RWMutex
	handle *C.snapshotter // nil once closed
	calls  callRegistry
	close  sync.Once
}

// Open opens the store at opts.RootDir, creating it if needed. Close the Snapshotter when done.
func Open(opts Options) (*Snapshotter, error) {
	var a arena
	defer a.free()
	copts := opts.toC(&a)
	if a.err != nil {
		return nil, a.err
	}
	var handle *C.snapshotter
	var cerr *C.snapshotter_error
	if code := C.snapshotter_open(&handle, copts, &cerr); code != C.SNAPSHOTTER_OK {
		return nil, errorFrom(code, cerr)
	}
	s := &Snapshotter{handle: handle}
	runtime.SetFinalizer(s, (*Snapshotter).Close)
	return s, nil
}

// Close cancels the calls in flight (they return an error matching ErrClosed), waits for them to
// return and releases the handle. It is idempotent, may be called from several goroutines at once
// (all of them return once the handle is released), and always returns nil. It must not be called
// from a progress callback of a call on the same Snapshotter.
func (s *Snapshotter) Close() error {
	s.close.Do(func() {
		runtime.SetFinalizer(s, nil)
		s.calls.cancelAll()
		s.mu.Lock()
		defer s.mu.Unlock()
		C.snapshotter_close(s.handle)
		s.handle = nil
	})
	return nil
}
