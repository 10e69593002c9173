package snapshotter

/*
#include <stdint.h>
#include <snapshotter.h>

// The Go callback, exported from progress.go.
extern int snapshotterGoProgress(snapshotter_progress *progress, void *payload);

// A runtime/cgo.Handle is an integer; the library carries it as the callback's void * payload.
static void *snapshotter_go_payload(uintptr_t handle) { return (void *)handle; }
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// control is what one call gives the library besides its request: the cancellation token and, when
// the caller wants progress, the callback and its payload. Each request's binding copies it into the
// request struct's cancel, progress and progress_payload fields.
type control struct {
	cancel   *C.snapshotter_cancel
	progress C.snapshotter_progress_cb
	payload  unsafe.Pointer
}

// callRegistry knows the cancellation tokens of the calls in flight, so that Close can cancel them.
type callRegistry struct {
	mu      sync.Mutex
	closing bool
	tokens  map[*C.snapshotter_cancel]struct{}
}

// add registers a call's token; false once Close has begun.
func (r *callRegistry) add(token *C.snapshotter_cancel) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	if r.tokens == nil {
		r.tokens = make(map[*C.snapshotter_cancel]struct{})
	}
	r.tokens[token] = struct{}{}
	return true
}

func (r *callRegistry) remove(token *C.snapshotter_cancel) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.tokens, token)
}

// cancelAll refuses new calls and cancels those in flight.
func (r *callRegistry) cancelAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closing = true
	for token := range r.tokens {
		C.snapshotter_cancel_trigger(token)
	}
}

func (r *callRegistry) isClosing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closing
}

func closedError() error {
	return &Error{Code: CodeClosed, Message: "the snapshotter is closed"}
}

// use runs invoke with the handle, which stays open until invoke returns; ErrClosed once Close has
// begun. A done ctx fails before anything is called.
func (s *Snapshotter) use(ctx context.Context, invoke func(handle *C.snapshotter) error) error {
	if err := ctx.Err(); err != nil {
		return &Error{Code: CodeCancelled, Message: "the context was done before the call", cause: err}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.handle == nil {
		return closedError()
	}
	err := invoke(s.handle)
	runtime.KeepAlive(s)
	return err
}

// call makes one library call that takes no cancellation token and turns its result into an error.
func (s *Snapshotter) call(ctx context.Context, invoke func(handle *C.snapshotter, cerr **C.snapshotter_error) C.snapshotter_code) error {
	return s.use(ctx, func(handle *C.snapshotter) error {
		var cerr *C.snapshotter_error
		return errorFrom(invoke(handle, &cerr), cerr)
	})
}

// run makes one long library call: it cancels the call when ctx is done or Close begins, delivers
// progress to onProgress (optional), and turns the result into an error. A panic of onProgress is
// raised again here once the call returned.
func (s *Snapshotter) run(ctx context.Context, onProgress func(Progress),
	invoke func(handle *C.snapshotter, ctl control, cerr **C.snapshotter_error) C.snapshotter_code) error {
	return s.use(ctx, func(handle *C.snapshotter) error {
		var ctl control
		var cerr *C.snapshotter_error
		if code := C.snapshotter_cancel_new(&ctl.cancel, &cerr); code != C.SNAPSHOTTER_OK {
			return errorFrom(code, cerr)
		}
		// Deferred calls run last-first: the watcher has stopped and Close can no longer see the
		// token before it is freed.
		defer C.snapshotter_cancel_free(ctl.cancel)
		if !s.calls.add(ctl.cancel) {
			return closedError()
		}
		defer s.calls.remove(ctl.cancel)
		defer cancelWhenDone(ctx, ctl.cancel)()

		var sink *progressSink
		if onProgress != nil {
			sink = &progressSink{report: onProgress}
			h := cgo.NewHandle(sink)
			defer h.Delete()
			ctl.progress = C.snapshotter_progress_cb(C.snapshotterGoProgress)
			ctl.payload = C.snapshotter_go_payload(C.uintptr_t(h))
		}

		code := invoke(handle, ctl, &cerr)
		err := errorFrom(code, cerr)
		if sink != nil && sink.panicked {
			panic(sink.value)
		}
		if code != C.SNAPSHOTTER_ERROR_CANCELLED {
			return err
		}
		e := err.(*Error)
		if ctx.Err() != nil {
			e.cause = ctx.Err()
		} else if s.calls.isClosing() {
			e.Code, e.Message = CodeClosed, "the snapshotter was closed during the call: "+e.Message
		}
		return e
	})
}

// cancelWhenDone triggers token once ctx is done; the returned stop function returns only when the
// watcher can no longer touch the token.
func cancelWhenDone(ctx context.Context, token *C.snapshotter_cancel) (stop func()) {
	done := ctx.Done()
	if done == nil {
		return func() {}
	}
	stopped, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-done:
			C.snapshotter_cancel_trigger(token)
		case <-stopped:
		}
	}()
	return func() {
		close(stopped)
		<-exited
	}
}
