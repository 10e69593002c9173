package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// Progress mirrors snapshotter_progress: how far a call has got.
type Progress struct {
	FilesDone  uint64
	FilesTotal uint64
	BytesDone  uint64
	BytesTotal uint64
}

// progressSink is the payload of one call's progress callback, reached through a cgo.Handle. The
// library never runs two callbacks of one call at once, and the call has returned before the caller
// reads panicked, so its fields need no lock.
type progressSink struct {
	report   func(Progress)
	panicked bool
	value    interface{}
}

// deliver runs the Go callback; a panic must not unwind into the library's thread, so it is kept for
// the goroutine that made the call and the call is cancelled.
func (p *progressSink) deliver(progress Progress) (stop C.int) {
	if p.panicked {
		return 1
	}
	returned := false
	defer func() {
		if !returned {
			p.panicked, p.value, stop = true, recover(), 1
		}
	}()
	p.report(progress)
	returned = true
	return 0
}

//export snapshotterGoProgress
func snapshotterGoProgress(progress *C.snapshotter_progress, payload unsafe.Pointer) C.int {
	sink := cgo.Handle(uintptr(payload)).Value().(*progressSink)
	return sink.deliver(Progress{
		FilesDone:  uint64(progress.files_done),
		FilesTotal: uint64(progress.files_total),
		BytesDone:  uint64(progress.bytes_done),
		BytesTotal: uint64(progress.bytes_total),
	})
}
