package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

// The version of the header this package was built with.
const (
	HeaderVersion       = C.SNAPSHOTTER_VERSION_STRING
	HeaderVersionNumber = C.SNAPSHOTTER_VERSION_NUMBER
)

// Version is the version of the library actually loaded ("0.1.0").
func Version() string {
	return C.GoString(C.snapshotter_version())
}

// VersionNumber is the loaded library's MAJOR * 1000000 + MINOR * 1000 + PATCH.
func VersionNumber() uint32 {
	return uint32(C.snapshotter_version_number())
}
