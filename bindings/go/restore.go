package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import "context"

// RestoreFlags are snapshotter_restore_request.flags.
type RestoreFlags uint32

// RestoreOverwrite replaces files in the output dir that differ from the snapshot; without it such a
// file fails the restore with ErrAlreadyExists before anything is written.
const RestoreOverwrite RestoreFlags = C.SNAPSHOTTER_RESTORE_OVERWRITE

// RestoreRequest mirrors snapshotter_restore_request. The snapshot is Name and Version, or Ref
// ("name:version", "name@latest", "name@<RFC 3339 time>"), never both.
type RestoreRequest struct {
	Name    string
	Version string
	Ref     string
	// OutputDir is where the files go (created if missing). "" only makes sure all of the
	// snapshot's content is in the local store.
	OutputDir string
	Flags     RestoreFlags
	// Progress, when set, is called as work advances. It runs on a library thread, never
	// concurrently with itself for one call.
	Progress func(Progress)
}

// Restore writes the snapshot into req.OutputDir. Each file appears only when complete; a
// failed or cancelled call leaves no partial file behind.
func (s *Snapshotter) Restore(ctx context.Context, req RestoreRequest) (Stats, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_restore_request](&a)
	a.init(C.snapshotter_restore_request_init(c, C.SNAPSHOTTER_RESTORE_REQUEST_VERSION), "snapshotter_restore_request")
	c.name = a.str(req.Name, "name")
	c.snapshot_version = a.str(req.Version, "snapshot_version")
	c.output_dir = a.str(req.OutputDir, "output_dir")
	c.flags = C.uint32_t(req.Flags)
	c.ref = a.str(req.Ref, "ref")
	if a.err != nil {
		return Stats{}, a.err
	}

	return s.runForStats(ctx, req.Progress, func(handle *C.snapshotter, ctl control, stats *C.snapshotter_stats, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel, c.progress, c.progress_payload = ctl.cancel, ctl.progress, ctl.payload
		return C.snapshotter_restore(stats, handle, c, cerr)
	})
}
