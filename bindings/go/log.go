package snapshotter

/*
#include <stdint.h>
#include <snapshotter.h>

// The Go callback, exported below.
extern void snapshotterGoLog(snapshotter_log_level level, char *message, void *payload);

static void *snapshotter_go_log_payload(uintptr_t handle) { return (void *)handle; }
*/
import "C"

import (
	"runtime/cgo"
	"sync"
	"unsafe"
)

// LogLevel mirrors snapshotter_log_level: how much a log message matters. A logger set for a level
// receives that level's messages and those of the more important levels (lower values).
type LogLevel int

const (
	// LogError: something failed that no call returns, such as a background collection.
	LogError LogLevel = C.SNAPSHOTTER_LOG_ERROR
	// LogWarning: a call succeeded but left something out (a socket in a tree, a skipped device) or left
	// something for a later open or collection to clean up.
	LogWarning LogLevel = C.SNAPSHOTTER_LOG_WARNING
	// LogInfo: what background work did.
	LogInfo LogLevel = C.SNAPSHOTTER_LOG_INFO
	// LogDebug: detail, such as background collections that found nothing to do.
	LogDebug LogLevel = C.SNAPSHOTTER_LOG_DEBUG
)

func (l LogLevel) String() string {
	switch l {
	case LogError:
		return "ERROR"
	case LogWarning:
		return "WARNING"
	case LogInfo:
		return "INFO"
	case LogDebug:
		return "DEBUG"
	}
	return "UNKNOWN"
}

// logger is the cgo.Handle of the func the library calls now (0: none); logMu orders the library's
// hook and the handle's replacement, so that a handle is deleted only once the library is done with it.
var (
	logMu  sync.Mutex
	logger cgo.Handle
)

// SetLogger makes fn the process's log hook for level and the more important levels: background
// collector failures and clean-ups a call could not finish, which no call returns. A nil fn turns
// logging off. fn runs on library threads, possibly on several at once, and must not call SetLogger
// (it would wait for itself); a panic in fn is recovered and loses its message. When SetLogger
// returns, the previous fn is not running and will not be called again.
func SetLogger(level LogLevel, fn func(level LogLevel, message string)) error {
	logMu.Lock()
	defer logMu.Unlock()
	var handle cgo.Handle
	callback, payload := C.snapshotter_log_cb(nil), C.snapshotter_go_log_payload(0)
	if fn != nil {
		handle = cgo.NewHandle(fn)
		callback = C.snapshotter_log_cb(C.snapshotterGoLog)
		payload = C.snapshotter_go_log_payload(C.uintptr_t(handle))
	}
	var cerr *C.snapshotter_error
	if code := C.snapshotter_log_set(C.snapshotter_log_level(level), callback, payload, &cerr); code != C.SNAPSHOTTER_OK {
		if handle != 0 {
			handle.Delete()
		}
		return errorFrom(code, cerr)
	}
	if logger != 0 {
		logger.Delete()
	}
	logger = handle
	return nil
}

//export snapshotterGoLog
func snapshotterGoLog(level C.snapshotter_log_level, message *C.char, payload unsafe.Pointer) {
	// A panic must not unwind into the library's thread, and no caller is there to receive it.
	defer func() { _ = recover() }()
	fn := cgo.Handle(uintptr(payload)).Value().(func(LogLevel, string))
	fn(LogLevel(level), C.GoString(message))
}
