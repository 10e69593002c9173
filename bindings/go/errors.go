package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

// Code is a snapshotter_code: a result code whose values are pinned by the library.
type Code int

// The library's result codes.
const (
	CodeOK               Code = C.SNAPSHOTTER_OK
	CodeInvalidArgument  Code = C.SNAPSHOTTER_ERROR_INVALID_ARGUMENT
	CodeNotFound         Code = C.SNAPSHOTTER_ERROR_NOT_FOUND
	CodeAlreadyExists    Code = C.SNAPSHOTTER_ERROR_ALREADY_EXISTS
	CodeCancelled        Code = C.SNAPSHOTTER_ERROR_CANCELLED
	CodeIO               Code = C.SNAPSHOTTER_ERROR_IO
	CodeCorrupt          Code = C.SNAPSHOTTER_ERROR_CORRUPT
	CodePermissionDenied Code = C.SNAPSHOTTER_ERROR_PERMISSION_DENIED
	CodeNoSpace          Code = C.SNAPSHOTTER_ERROR_NO_SPACE
	CodeUnsupported      Code = C.SNAPSHOTTER_ERROR_UNSUPPORTED
	CodeClosed           Code = C.SNAPSHOTTER_ERROR_CLOSED
	CodeUnauthenticated  Code = C.SNAPSHOTTER_ERROR_UNAUTHENTICATED
	CodeUnavailable      Code = C.SNAPSHOTTER_ERROR_UNAVAILABLE
	CodeTimeout          Code = C.SNAPSHOTTER_ERROR_TIMEOUT
	// CodeFailedPrecondition: the object is not in the state the call needs (removing a lifecycle
	// snapshot that has children, committing a view); nothing was changed.
	CodeFailedPrecondition Code = C.SNAPSHOTTER_ERROR_FAILED_PRECONDITION
	CodeInternal           Code = C.SNAPSHOTTER_ERROR_INTERNAL
)

// Sentinels for errors.Is: an *Error matches the sentinel of its code.
var (
	ErrInvalidArgument    = &Error{Code: CodeInvalidArgument}
	ErrNotFound           = &Error{Code: CodeNotFound}
	ErrAlreadyExists      = &Error{Code: CodeAlreadyExists}
	ErrCancelled          = &Error{Code: CodeCancelled}
	ErrIO                 = &Error{Code: CodeIO}
	ErrCorrupt            = &Error{Code: CodeCorrupt}
	ErrPermissionDenied   = &Error{Code: CodePermissionDenied}
	ErrNoSpace            = &Error{Code: CodeNoSpace}
	ErrUnsupported        = &Error{Code: CodeUnsupported}
	ErrClosed             = &Error{Code: CodeClosed}
	ErrUnauthenticated    = &Error{Code: CodeUnauthenticated}
	ErrUnavailable        = &Error{Code: CodeUnavailable}
	ErrTimeout            = &Error{Code: CodeTimeout}
	ErrFailedPrecondition = &Error{Code: CodeFailedPrecondition}
	ErrInternal           = &Error{Code: CodeInternal}
)

// String is the code's name without prefix, as the library spells it ("NOT_FOUND"), "UNKNOWN" for
// codes this library does not define.
func (c Code) String() string {
	return C.GoString(C.snapshotter_code_name(C.snapshotter_code(c)))
}

// Error is a failed call: the library's code and message (naming the offending field, path or
// digest). A call cancelled through its context also wraps the context's error.
type Error struct {
	Code    Code
	Message string
	cause   error
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "snapshotter: " + e.Code.String()
	}
	return "snapshotter: " + e.Code.String() + ": " + e.Message
}

// Is reports whether target is the sentinel of e's code (ErrNotFound for CodeNotFound, ...).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.cause == nil && t.Code == e.Code
}

// Unwrap returns the context error of a call cancelled through its context, else nil.
func (e *Error) Unwrap() error {
	return e.cause
}

// errorFrom turns a call's result into an error and frees the library's error object.
func errorFrom(code C.snapshotter_code, cerr *C.snapshotter_error) error {
	defer C.snapshotter_error_free(cerr)
	if code == C.SNAPSHOTTER_OK {
		return nil
	}
	return &Error{Code: Code(code), Message: C.GoString(C.snapshotter_error_message(cerr))}
}
