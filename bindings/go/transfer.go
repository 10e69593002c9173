package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import (
	"context"
	"io"
	"os"
	"runtime"
)

// ExportRequest mirrors snapshotter_export_request. The snapshot is Ref, or Name and Version; the
// destination is exactly one of Output (the tar stream) and OutputDir.
type ExportRequest struct {
	Ref     string
	Name    string
	Version string
	// Output receives the tar stream: snapshot.json, then the files under files/ (holes in GNU
	// sparse format 1.0). An *os.File is written directly; any other writer through a pipe.
	Output io.Writer
	// OutputDir, instead, is a new or empty directory: files/ first, snapshot.json last.
	OutputDir string
	// Gzip compresses the tar stream.
	Gzip     bool
	Progress func(Progress)
}

// ImportRequest mirrors snapshotter_import_request: the source is exactly one of Input (a tar
// stream, gzip or not) and InputDir (an export directory). Name and Version, both or neither,
// record the snapshot under another name; a tar without snapshot.json needs them.
type ImportRequest struct {
	// Input is read to its end. An *os.File is read directly; any other reader through a pipe.
	Input    io.Reader
	InputDir string
	Name     string
	Version  string
	// Progress has totals only when snapshot.json comes first, as in exports.
	Progress func(Progress)
}

// Export writes the snapshot as a tar stream or into a directory, every byte verified against its
// digest. On failure the stream written so far is void: discard it.
func (s *Snapshotter) Export(ctx context.Context, req ExportRequest) (Stats, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_export_request](&a)
	a.init(C.snapshotter_export_request_init(c, C.SNAPSHOTTER_EXPORT_REQUEST_VERSION), "snapshotter_export_request")
	c.ref = a.str(req.Ref, "ref")
	c.name = a.str(req.Name, "name")
	c.snapshot_version = a.str(req.Version, "snapshot_version")
	c.output_dir = a.str(req.OutputDir, "output_dir")
	if req.Gzip {
		c.flags = C.SNAPSHOTTER_EXPORT_GZIP
	}
	if a.err != nil {
		return Stats{}, a.err
	}
	var stats Stats
	err := withWriterFd(req.Output, func(fd int) error {
		c.fd = C.int(fd)
		var err error
		stats, err = s.runForStats(ctx, req.Progress, func(handle *C.snapshotter, ctl control, cs *C.snapshotter_stats, cerr **C.snapshotter_error) C.snapshotter_code {
			c.cancel, c.progress, c.progress_payload = ctl.cancel, ctl.progress, ctl.payload
			return C.snapshotter_export(cs, handle, c, cerr)
		})
		return err
	})
	return stats, err
}

// Import records a snapshot from a tar stream or an export directory, every digest verified before
// anything becomes visible, and returns it as recorded.
func (s *Snapshotter) Import(ctx context.Context, req ImportRequest) (Inspection, Stats, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_import_request](&a)
	a.init(C.snapshotter_import_request_init(c, C.SNAPSHOTTER_IMPORT_REQUEST_VERSION), "snapshotter_import_request")
	c.input_dir = a.str(req.InputDir, "input_dir")
	c.name = a.str(req.Name, "name")
	c.snapshot_version = a.str(req.Version, "snapshot_version")
	if a.err != nil {
		return Inspection{}, Stats{}, a.err
	}
	var inspection Inspection
	var stats Stats
	err := withReaderFd(req.Input, func(fd int) error {
		c.fd = C.int(fd)
		var err error
		stats, err = s.runForStats(ctx, req.Progress, func(handle *C.snapshotter, ctl control, cs *C.snapshotter_stats, cerr **C.snapshotter_error) C.snapshotter_code {
			c.cancel, c.progress, c.progress_payload = ctl.cancel, ctl.progress, ctl.payload
			var out *C.snapshotter_inspection
			code := C.snapshotter_import(cs, &out, handle, c, cerr)
			defer C.snapshotter_inspection_free(out)
			if code == C.SNAPSHOTTER_OK {
				inspection = inspectionFrom(out)
			}
			return code
		})
		return err
	})
	return inspection, stats, err
}

// withWriterFd runs call with a descriptor writing to w: w's own when it is an *os.File, else the
// write end of a pipe copied into w by a goroutine; -1 when w is nil. An error of w is preferred to
// the one the library then reports (a write into the closed pipe).
func withWriterFd(w io.Writer, call func(fd int) error) error {
	if w == nil {
		return call(-1)
	}
	if f, ok := w.(*os.File); ok {
		err := call(int(f.Fd()))
		runtime.KeepAlive(f)
		return err
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(w, r)
		r.Close()
		copied <- err
	}()
	err = call(int(pw.Fd()))
	pw.Close()
	if copyErr := <-copied; copyErr != nil {
		return copyErr
	}
	return err
}

// withReaderFd runs call with a descriptor reading from r, as withWriterFd does for writers.
func withReaderFd(r io.Reader, call func(fd int) error) error {
	if r == nil {
		return call(-1)
	}
	if f, ok := r.(*os.File); ok {
		err := call(int(f.Fd()))
		runtime.KeepAlive(f)
		return err
	}
	pr, w, err := os.Pipe()
	if err != nil {
		return err
	}
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(w, r)
		w.Close()
		copied <- err
	}()
	err = call(int(pr.Fd()))
	pr.Close()
	if copyErr := <-copied; copyErr != nil && err == nil {
		return copyErr
	}
	return err
}
