package snapshotter

/*
#include <stdlib.h>
#include <snapshotter.h>
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// arena owns the C memory of one call's inputs: option and request structs, strings and arrays.
// Everything handed to the library lives in C memory, so no Go pointer is ever stored where C can
// see it (the cgo pointer rules). The first invalid input is kept in err; callers check it before
// calling the library and free the arena when the call has returned.
type arena struct {
	allocations []unsafe.Pointer
	err         error
}

// cnew allocates one zeroed T in C memory owned by a.
func cnew[T any](a *arena) *T {
	var zero T
	return (*T)(a.alloc(C.size_t(unsafe.Sizeof(zero))))
}

// cnewArray allocates n zeroed Ts in C memory owned by a; nil for n == 0.
func cnewArray[T any](a *arena, n int) []T {
	if n == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*T)(a.alloc(C.size_t(n)*C.size_t(unsafe.Sizeof(zero)))), n)
}

func (a *arena) alloc(size C.size_t) unsafe.Pointer {
	p := C.calloc(1, size)
	if p == nil {
		panic("snapshotter: out of memory")
	}
	a.allocations = append(a.allocations, p)
	return p
}

// str copies s into C memory; "" is NULL, which the library reads as "not given". A NUL byte would
// silently cut the string short, so it is an error naming the field.
func (a *arena) str(s, field string) *C.char {
	if s == "" {
		return nil
	}
	if strings.IndexByte(s, 0) >= 0 {
		a.fail(field, fmt.Sprintf("%q contains a NUL byte", s))
		return nil
	}
	p := C.CString(s)
	a.allocations = append(a.allocations, unsafe.Pointer(p))
	return p
}

// secret is str for a value that must not appear in errors (a password).
func (a *arena) secret(s, field string) *C.char {
	if strings.IndexByte(s, 0) >= 0 {
		a.fail(field, "contains a NUL byte")
		return nil
	}
	return a.str(s, field)
}

// uint converts a count for an `unsigned int` field; negative or too large is an error naming it.
func (a *arena) uint(n int, field string) C.uint {
	if n < 0 || uint64(n) > uint64(^C.uint(0)) {
		a.fail(field, fmt.Sprintf("%d is out of range", n))
		return 0
	}
	return C.uint(n)
}

// init records the failure of a *_init() call: the loaded library does not know the struct version
// this package was built with.
func (a *arena) init(code C.snapshotter_code, structName string) {
	if code != C.SNAPSHOTTER_OK && a.err == nil {
		a.err = &Error{Code: Code(code), Message: structName + "_init failed: the loaded library is older than the header this package was built with"}
	}
}

func (a *arena) fail(field, problem string) {
	if a.err == nil {
		a.err = &Error{Code: CodeInvalidArgument, Message: field + " " + problem}
	}
}

func (a *arena) free() {
	for _, p := range a.allocations {
		C.free(p)
	}
	a.allocations = nil
}
