package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

// Options mirror snapshotter_options.
type Options struct {
	// RootDir is the root of the store, created if missing. Required.
	RootDir string
	// Concurrency is how many files one call processes at once; 0 means the library's default (5).
	Concurrency int
	// Content, when set, is where content lives beyond this machine; nil keeps it in the local store.
	Content *ContentOptions
	// GC, when set, is how the store is collected (start from DefaultGCOptions); nil: the defaults,
	// with a background collector running.
	GC *GCOptions
}

// ContentOptions mirror snapshotter_content_options.
type ContentOptions struct {
	// Dir is a directory, local or NFS (absolute path), holding xxh3/<hex> objects.
	Dir string
}

func (o *Options) toC(a *arena) *C.snapshotter_options {
	c := cnew[C.snapshotter_options](a)
	a.init(C.snapshotter_options_init(c, C.SNAPSHOTTER_OPTIONS_VERSION), "snapshotter_options")
	c.root_dir = a.str(o.RootDir, "root_dir")
	c.concurrency = a.uint(o.Concurrency, "concurrency")
	if o.Content != nil {
		c.content = o.Content.toC(a)
	}
	if o.GC != nil {
		c.gc = o.GC.toC(a)
	}
	return c
}

func (o *ContentOptions) toC(a *arena) *C.snapshotter_content_options {
	c := cnew[C.snapshotter_content_options](a)
	a.init(C.snapshotter_content_options_init(c, C.SNAPSHOTTER_CONTENT_OPTIONS_VERSION), "snapshotter_content_options")
	c.dir = a.str(o.Dir, "content.dir")
	return c
}
